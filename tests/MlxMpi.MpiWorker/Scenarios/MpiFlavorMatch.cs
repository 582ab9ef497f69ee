using MlxMpi.Interop;

namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// The resolver loaded the shim built for the MPI that launched this job: under Open MPI's mpiexec (OMPI_* set)
/// libmlxmpi.so and an "Open MPI" library, under MPICH's Hydra (PMI_RANK set) libmlxmpi.mpich.so and an "MPICH"
/// library (MLXMPI_MPI, when set, decides instead). Prints <c>mpi_flavor: shim F library L</c> for the tests.
/// </summary>
internal static class MpiFlavorMatch
{
    [Scenario("mpi_flavor", Suite.General)] public static void Run(ScenarioContext context)
    {
        var shim = Path.GetFileName(NativeLibraryResolver.LoadedPath ?? "(none)");
        var library = MpiRuntime.LibraryVersion().Split('\n')[0].Trim();
        context.Info($"shim {shim} library {library}");

        var chosen = Environment.GetEnvironmentVariable(MpiFlavorDetection.OverrideVariable)?.Trim().ToLowerInvariant();
        var mpich = chosen is { Length: > 0 } ? chosen == "mpich" : Environment.GetEnvironmentVariable("PMI_RANK") is { Length: > 0 };
        var openMpi = chosen is { Length: > 0 } ? chosen != "mpich" : Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is { Length: > 0 };
        context.Expect(mpich != openMpi, $"the environment names no single launcher (MPICH {mpich}, Open MPI {openMpi})");
        var (expectedShim, expectedLibrary) = mpich ? ("libmlxmpi.mpich.so", "MPICH") : ("libmlxmpi.so", "Open MPI");
        context.ExpectEqual(shim, expectedShim, "the shim loaded");
        context.Expect(library.Contains(expectedLibrary, StringComparison.Ordinal), $"MPI_Get_library_version says \"{library}\", expected {expectedLibrary}");
    }
}
