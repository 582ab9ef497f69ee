namespace MlxMpi;

/// <summary>
/// Tells whether this process was started by an MPI launcher. MlxMpi starts MPI only then: a plain
/// `dotnet app.dll` gets a singleton group without paying for (or failing in) an MPI singleton start-up.
/// </summary>
internal static class LauncherEnvironment
{
    // Open MPI's mpiexec, MPICH's Hydra (and Slurm's PMI), and PMIx launchers (prterun, srun --mpi=pmix).
    private static readonly string[] Markers = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK", "MPI_LOCALNRANKS"];

    internal static bool IsLaunched() =>
        Markers.Any(name => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)));

    internal static string Describe() =>
        $"none of {string.Join(", ", Markers)} is set";
}
