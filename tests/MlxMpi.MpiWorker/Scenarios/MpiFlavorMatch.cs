using MlxMpi.Interop;

namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// The resolver loaded the shim built for the MPI that launched this job: under Open MPI's mpiexec or srun --mpi=pmix (OMPI_*, PMIX_RANK set)
/// libmlxmpi.so and an "Open MPI" library, under MPICH's Hydra or srun --mpi=pmi2 (PMI_RANK, PMI_FD set) libmlxmpi.mpich.so and an "MPICH"
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
        // Hydra and Slurm's pmi2 plugin speak PMI (PMI_RANK, PMI_FD); Open MPI's mpiexec and Slurm's pmix plugin
        // speak PMIx (PMIX_RANK), and only Open MPI's mpiexec sets OMPI_*.
        var mpich = chosen is { Length: > 0 } ? chosen == "mpich" : Set("PMI_RANK") || Set("PMI_FD");
        var openMpi = chosen is { Length: > 0 } ? chosen != "mpich" : Set("OMPI_COMM_WORLD_SIZE") || Set("PMIX_RANK");
        context.Expect(mpich != openMpi, $"the environment names no single launcher (MPICH {mpich}, Open MPI {openMpi})");
        var (expectedShim, expectedLibrary) = mpich ? ("libmlxmpi.mpich.so", "MPICH") : ("libmlxmpi.so", "Open MPI");
        context.ExpectEqual(shim, expectedShim, "the shim loaded");
        context.Expect(library.Contains(expectedLibrary, StringComparison.Ordinal), $"MPI_Get_library_version says \"{library}\", expected {expectedLibrary}");
    }

    private static bool Set(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 };
}
