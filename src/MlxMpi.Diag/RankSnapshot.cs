namespace MlxMpi.Diag;

/// <summary>Where one rank was when the sample ended: the row status prints and the input of the verdict.</summary>
internal sealed record RankSnapshot(
    RankProcess Process,
    int? WorldRank,
    bool HasData,
    long CurrentSequence,              // -1: not in a collective
    double CurrentElapsedMs,
    CollectiveEvent? CurrentCollective, // its start event, if the session saw it
    long LastCompletedSequence,        // -1: none yet
    long CompletedInSample,
    long ErrorsInSample,
    long BytesInSample,
    double? MeanLatencyMs,
    CollectiveEvent? LastStop,
    string? Error)
{
    public bool InCollective => CurrentSequence >= 0;

    /// <summary>How far the rank has got in its sequence of collectives: in #n counts as n, past #n (and in none) too.
    /// Sequence numbers count per group, so positions compare ranks that use the same groups in the same order.</summary>
    public long Position => InCollective ? CurrentSequence : LastCompletedSequence;

    public string Name => WorldRank is { } rank ? $"rank {rank}" : $"pid {Process.Pid}";

    /// <summary>"AllGather #4" when the start event was seen, else "#4".</summary>
    public string CurrentName => CurrentCollective?.Name ?? $"#{CurrentSequence}";
}
