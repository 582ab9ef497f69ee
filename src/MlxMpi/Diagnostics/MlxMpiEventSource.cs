using System.Diagnostics.Tracing;
using MlxMpi.Collectives;

namespace MlxMpi.Diagnostics;

/// <summary>
/// The "MlxMpi" EventSource: start/stop events for every collective and EventCounters for rates, latency, errors
/// and where this rank is. Readable with dotnet-trace, dotnet-counters, or mlxmpi-diag, which attaches to every rank
/// of a job. Costs one enabled check per collective while nobody listens.
/// </summary>
[EventSource(Name = SourceName)]
internal sealed class MlxMpiEventSource : EventSource
{
    internal const string SourceName = "MlxMpi";
    internal static readonly MlxMpiEventSource Log = new();

    private IncrementingPollingCounter? gatherRate, byteRate, errorCount;
    private EventCounter? latency;
    private IncrementingPollingCounter[]? perOp;
    private PollingCounter? inFlight, currentSequence, currentElapsed, lastCompletedSequence, worldRank, worldSize;

    private MlxMpiEventSource() : base(EventSourceSettings.EtwSelfDescribingEventFormat) { }

    internal static class Keywords
    {
        internal const EventKeywords Collectives = (EventKeywords)1;
    }

    /// <summary>Called by <see cref="FlightRecorder.Begin"/> while the source is enabled (the counters come from the recorder).</summary>
    [NonEvent]
    internal void CollectiveStarted(in CollectiveRecord record)
    {
        if (IsEnabled(EventLevel.Informational, Keywords.Collectives))
            CollectiveStart(record.GroupRank, record.GroupSize, record.Op.ToString(), record.Sequence, record.Bytes,
                            record.HasInput ? DtypeInfo.NameOf(record.Dtype) : "", record.ShapeText());
    }

    /// <summary>Called when a collective ends, normally or not.</summary>
    [NonEvent]
    internal void CollectiveEnded(in CollectiveRecord record, double milliseconds)
    {
        if (!double.IsNaN(milliseconds))
            latency?.WriteMetric(milliseconds);
        if (IsEnabled(EventLevel.Informational, Keywords.Collectives))
            CollectiveStop(record.GroupRank, record.GroupSize, record.Op.ToString(), record.Sequence,
                           double.IsNaN(milliseconds) ? 0 : milliseconds, record.Failed);
    }

    [Event(1, Level = EventLevel.Informational, Keywords = Keywords.Collectives, Opcode = EventOpcode.Start, Task = Tasks.Collective,
           Message = "{2} #{3} started on group rank {0} of {1}: {4} bytes, {5} {6}")]
    private void CollectiveStart(int groupRank, int groupSize, string op, long sequence, long bytes, string dtype, string shape) =>
        WriteEvent(1, groupRank, groupSize, op, sequence, bytes, dtype, shape);

    [Event(2, Level = EventLevel.Informational, Keywords = Keywords.Collectives, Opcode = EventOpcode.Stop, Task = Tasks.Collective,
           Message = "{2} #{3} ended on group rank {0} of {1} after {4} ms (failed: {5})")]
    private void CollectiveStop(int groupRank, int groupSize, string op, long sequence, double milliseconds, bool failed) =>
        WriteEvent(2, groupRank, groupSize, op, sequence, milliseconds, failed);

    internal static class Tasks
    {
        internal const EventTask Collective = (EventTask)1;
    }

    protected override void OnEventCommand(EventCommandEventArgs command)
    {
        if (command.Command != EventCommand.Enable)
            return;
        // Counters are created on first enable only: a process nobody watches pays nothing for them.
        gatherRate ??= new IncrementingPollingCounter("gathers-per-second", this, () => FlightRecorder.Totals().Completed)
            { DisplayName = "Collectives completed", DisplayRateTimeScale = TimeSpan.FromSeconds(1) };
        byteRate ??= new IncrementingPollingCounter("bytes-per-second", this, () => FlightRecorder.Totals().Bytes)
            { DisplayName = "Bytes gathered", DisplayUnits = "B", DisplayRateTimeScale = TimeSpan.FromSeconds(1) };
        errorCount ??= new IncrementingPollingCounter("errors", this, () => FlightRecorder.Totals().Failed)
            { DisplayName = "Collectives that threw" };
        latency ??= new EventCounter("mean-latency", this) { DisplayName = "Collective latency", DisplayUnits = "ms" };
        inFlight ??= new PollingCounter("collectives-in-flight", this, () => FlightRecorder.Totals() is var t ? t.Started - t.Completed : 0)
            { DisplayName = "Collectives in flight" };
        // Where this rank is now: what mlxmpi-diag's status compares across the ranks of a job.
        currentSequence ??= new PollingCounter("current-sequence", this,
            () => FlightRecorder.TryGetCurrent(out var r) ? r.Sequence : -1) { DisplayName = "Sequence number of the collective in progress (-1: none)" };
        currentElapsed ??= new PollingCounter("current-elapsed-ms", this,
            () => FlightRecorder.TryGetCurrent(out var r) ? FlightRecorder.ElapsedOf(r, System.Diagnostics.Stopwatch.GetTimestamp()).TotalMilliseconds : 0)
            { DisplayName = "Time in the collective in progress", DisplayUnits = "ms" };
        lastCompletedSequence ??= new PollingCounter("last-completed-sequence", this,
            () => FlightRecorder.RecentlyCompleted() is { Length: > 0 } done ? done[^1].Sequence : -1)
            { DisplayName = "Sequence number of the last completed collective (-1: none)" };
        worldRank ??= new PollingCounter("world-rank", this, () => MpiRuntime.WorldRank) { DisplayName = "MPI world rank" };
        worldSize ??= new PollingCounter("world-size", this, () => MpiRuntime.WorldSize) { DisplayName = "MPI world size" };
        // One rate per op ("allsum-per-second", "send-per-second", ...), so a tool can tell which op a job is stuck in.
        perOp ??= [.. Enum.GetValues<CollectiveOp>().Select(op => new IncrementingPollingCounter(
            $"{op.ToString().ToLowerInvariant()}-per-second", this, () => FlightRecorder.CompletedOf(op))
            { DisplayName = $"{op} calls completed", DisplayRateTimeScale = TimeSpan.FromSeconds(1) })];
    }
}
