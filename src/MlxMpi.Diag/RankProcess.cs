namespace MlxMpi.Diag;

/// <summary>
/// A .NET process on this node that is an MPI rank (its launcher put a rank in its environment) or has loaded
/// MlxMpi. <see cref="Job"/> tells ranks of different jobs apart (see <see cref="LauncherEnvironment"/>).
/// </summary>
internal sealed record RankProcess(
    int Pid,
    int? WorldRank,
    int? WorldSize,
    string? Job,
    bool? HasMlxMpi,   // null: not knowable on this OS
    string CommandLine,
    string? Error)     // the process did not answer on its diagnostics port
{
    public bool IsRank => WorldRank is not null;

    /// <summary>"rank 2" or, for a process that is not a rank, "pid 1234".</summary>
    public string Name => WorldRank is { } rank ? $"rank {rank}" : $"pid {Pid}";
}
