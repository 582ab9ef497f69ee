namespace MlxMpi.Diag;

/// <summary>One start or stop event of the MlxMpi provider: which collective, on which group, and (at the stop)
/// how long it took and whether it threw.</summary>
internal sealed record CollectiveEvent(
    bool IsStart,
    string Op,
    long Sequence,
    int GroupRank,
    int GroupSize,
    long Bytes,
    string Dtype,
    string Shape,
    double Milliseconds,
    bool Failed)
{
    /// <summary>"AllGather #4".</summary>
    public string Name => $"{Op} #{Sequence}";
}
