namespace MlxMpi.Diag;

/// <summary>
/// Reads what an MPI launcher put in a rank's environment: its world rank and size, and an id shared by the ranks
/// of one job. Open MPI (PMIx) and MPICH's Hydra name these differently; the first one present wins.
/// </summary>
internal static class LauncherEnvironment
{
    private static readonly string[] RankVariables = ["OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"];
    private static readonly string[] SizeVariables = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"];

    // Open MPI gives every job a PMIx namespace (the same number as its ORTE job id).
    private static readonly string[] JobVariables = ["PMIX_NAMESPACE", "OMPI_MCA_ess_base_jobid"];

    public static int? Rank(IReadOnlyDictionary<string, string> environment) => FirstInt(environment, RankVariables);

    public static int? Size(IReadOnlyDictionary<string, string> environment) => FirstInt(environment, SizeVariables);

    /// <summary>The job id, or for Hydra (which exports none) the launcher process that started the rank on this
    /// node, hydra_pmi_proxy: one per job and node, so still one id per job here.</summary>
    public static string? Job(IReadOnlyDictionary<string, string> environment, int? parentPid)
    {
        foreach (var name in JobVariables)
        {
            if (environment.TryGetValue(name, out var value) && value.Length > 0)
                return value;
        }
        return parentPid is { } parent ? $"ppid-{parent}" : null;
    }

    private static int? FirstInt(IReadOnlyDictionary<string, string> environment, string[] names)
    {
        foreach (var name in names)
        {
            if (environment.TryGetValue(name, out var text) && int.TryParse(text, out var value))
                return value;
        }
        return null;
    }
}
