namespace MlxMpi.Diag;

/// <summary>
/// Which processes a command works on: the ones named by --pids, the ranks of --job, or by default every MPI rank
/// on this node (processes that merely loaded MlxMpi, like a test host, are not part of any job).
/// </summary>
internal static class JobSelection
{
    public static IReadOnlyList<RankProcess> Select(Options options)
    {
        var found = RankDiscovery.FindAll();
        if (options.Pids is { } pids)
        {
            var missing = pids.Where(pid => found.All(p => p.Pid != pid)).ToList();
            if (missing.Count > 0)
                throw new UsageException($"not an MPI rank or MlxMpi process on this node: {string.Join(", ", missing)} (see `mlxmpi-diag ps`)");
            return [.. found.Where(p => pids.Contains(p.Pid))];
        }
        if (options.Job is { } job)
        {
            var ranks = found.Where(p => p.Job == job).ToList();
            return ranks.Count > 0 ? ranks : throw new UsageException($"no ranks of job {job} on this node (see `mlxmpi-diag ps`)");
        }
        return [.. found.Where(p => p.IsRank)];
    }

    /// <summary>The selection split into jobs, each ordered by world rank; a process of no job is a job alone.</summary>
    public static IReadOnlyList<IReadOnlyList<RankProcess>> ByJob(IReadOnlyList<RankProcess> processes) =>
        [.. processes.GroupBy(p => p.Job ?? $"pid-{p.Pid}")
                     .Select(g => (IReadOnlyList<RankProcess>)[.. g.OrderBy(p => p.WorldRank ?? int.MaxValue).ThenBy(p => p.Pid)])];
}
