namespace MlxMpi.MpiWorker;

/// <summary>The rank and size that the launcher (Open MPI, MPICH's Hydra, PMIx) put in the environment,
/// to check the library's world against what mpiexec says independently.</summary>
internal static class LauncherVariables
{
    public static int? WorldRank => First("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK");

    // SLURM_NTASKS last: under srun --mpi=pmix it is the only size variable.
    public static int? WorldSize => First("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS");

    private static int? First(params string[] names)
    {
        foreach (var name in names)
        {
            if (int.TryParse(Environment.GetEnvironmentVariable(name), out var value))
                return value;
        }
        return null;
    }
}
