namespace MlxMpi.Diag;

/// <summary>
/// Everything one rank's EventPipe session delivered: the latest value of each polling counter (with when it was
/// sampled), the totals of the incrementing ones over the session, and the latest start and stop events. Written by
/// the session's reader thread, read by the command, hence the lock.
/// </summary>
internal sealed class RankObservation(RankProcess process)
{
    private readonly object gate = new();
    private readonly Dictionary<string, (double Value, DateTime SampledAt)> latest = [];
    private readonly Dictionary<string, double> totals = [];
    private double latencySum, latencyCount;
    private CollectiveEvent? lastStart, lastStop;
    private string? error;

    public RankProcess Process { get; } = process;

    public void Counter(string name, double value, double count, DateTime sampledAt)
    {
        lock (gate)
        {
            latest[name] = (value, sampledAt);
            if (RankCounters.IsIncrementing(name))
                totals[name] = totals.GetValueOrDefault(name) + value;
            if (name == RankCounters.Latency && count > 0)
            {
                latencySum += value * count; // the interval's mean, weighted by the collectives it covers
                latencyCount += count;
            }
        }
    }

    public void Event(CollectiveEvent e)
    {
        lock (gate)
        {
            if (e.IsStart)
                lastStart = e;
            else
                lastStop = e;
        }
    }

    public void Fail(string message)
    {
        lock (gate)
            error ??= message;
    }

    /// <summary>The counters that say where the rank is have all been sampled at or after <paramref name="time"/>.</summary>
    public bool SampledSince(DateTime time)
    {
        lock (gate)
            return PositionCounters.All(name => latest.TryGetValue(name, out var v) && v.SampledAt >= time);
    }

    private static readonly string[] PositionCounters =
        [RankCounters.CurrentSequence, RankCounters.CurrentElapsedMs, RankCounters.LastCompletedSequence];

    public bool Failed
    {
        get
        {
            lock (gate)
                return error is not null;
        }
    }

    /// <summary>What the rank's latest sample says. Ranks are sampled at different instants (up to an interval
    /// apart); an elapsed time is not aged to a common "now", since the collective may have ended since.</summary>
    public RankSnapshot Snapshot()
    {
        lock (gate)
        {
            double? Latest(string name) => latest.TryGetValue(name, out var v) ? v.Value : null;
            var hasData = PositionCounters.All(latest.ContainsKey);
            var current = (long)(Latest(RankCounters.CurrentSequence) ?? -1);
            var elapsed = current >= 0 ? Latest(RankCounters.CurrentElapsedMs) ?? 0 : 0;
            // The start event names the op and group of the collective in progress, when the session saw it start.
            var startOfCurrent = lastStart is { } start && start.Sequence == current ? start : null;
            return new RankSnapshot(
                Process,
                WorldRank: Process.WorldRank ?? (int?)Latest(RankCounters.WorldRank),
                HasData: hasData,
                CurrentSequence: current,
                CurrentElapsedMs: elapsed,
                CurrentCollective: startOfCurrent,
                LastCompletedSequence: (long)(Latest(RankCounters.LastCompletedSequence) ?? -1),
                CompletedInSample: (long)totals.GetValueOrDefault(RankCounters.Completed),
                ErrorsInSample: (long)totals.GetValueOrDefault(RankCounters.Errors),
                BytesInSample: (long)totals.GetValueOrDefault(RankCounters.Bytes),
                MeanLatencyMs: latencyCount > 0 ? latencySum / latencyCount : null,
                LastStop: lastStop,
                Error: error);
        }
    }
}
