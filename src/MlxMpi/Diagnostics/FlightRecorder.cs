using System.Diagnostics;
using MlxMpi.Collectives;
using System.Runtime.CompilerServices;

namespace MlxMpi.Diagnostics;

/// <summary>
/// The collective this rank is in now, and the last 16 it completed: what a hang report needs to say where this
/// rank is. Written by one thread at a time (collectives run under <see cref="MpiRuntime.CallLock"/>) and read by
/// the watchdog, the EventCounters and tests, so it uses a sequence lock instead of a mutex: the writer bumps a
/// version around each change, a reader retries if the version moved. The hot path takes no lock, allocates
/// nothing, and reads the clock only while something needs durations (a collective timeout is set or the
/// EventSource is enabled): two clock reads cost ~50 ns, a quarter of an 8-byte gather.
/// </summary>
internal static class FlightRecorder
{
    internal const int Capacity = 16;

    // One slot more than the history: the collective in progress is written into the slot after the newest
    // completed one, so it never overwrites a record the history still shows.
    private static readonly CollectiveRecord[] Ring = new CollectiveRecord[Capacity + 1];
    private static int version; // odd while the writer changes the fields below
    private static long completedCount;
    private static long failedCount;
    private static long bytesGathered;
    private static readonly long[] completedByOp = new long[byte.MaxValue + 1]; // indexed by CollectiveOp
    private static bool inCollective;
    private static volatile bool timedForWatchdog;
    private static readonly object FirstSeenGate = new();
    private static long firstSeenOrdinal = -1;
    private static long firstSeenTimestamp;

    /// <summary>Set while a collective timeout is in force: the watchdog needs start times.</summary>
    internal static bool TimedForWatchdog
    {
        set => timedForWatchdog = value;
    }

    private static bool Timed
    {
        [MethodImpl(HotPath.Inlined)]
        get => timedForWatchdog || MlxMpiEventSource.Log.IsEnabled();
    }

    /// <summary>Marks the start of a collective; dispose the scope when it ends (normally or by an exception).</summary>
    [MethodImpl(HotPath.Optimized)]
    internal static Scope Begin(Group group, CollectiveOp op, long sequence, CallInput input)
    {
        var start = Timed ? Stopwatch.GetTimestamp() : 0;
        BeginWrite();
        // The record in progress is the ring slot the next completed one goes to: written in place, never copied.
        ref var record = ref Ring[completedCount % Ring.Length];
        record.Op = op;
        record.Sequence = sequence;
        record.Group = group;
        record.Shape = input.Shape;
        record.Dtype = input.Dtype;
        record.Bytes = input.Bytes;
        record.StartTimestamp = start;
        record.EndTimestamp = 0;
        record.Failed = false;
        record.Ordinal = completedCount;
        inCollective = true;
        EndWrite();
        if (MlxMpiEventSource.Log.IsEnabled())
            MlxMpiEventSource.Log.CollectiveStarted(record);
        return new Scope(true);
    }

    /// <summary>The collective in progress, if any.</summary>
    internal static bool TryGetCurrent(out CollectiveRecord record)
    {
        (record, var busy) = ReadConsistent(static () => (Ring[completedCount % Ring.Length], inCollective));
        return busy;
    }

    /// <summary>
    /// How long the collective in progress (<paramref name="record"/>, from <see cref="TryGetCurrent"/>) has run: from
    /// its start, or, for one that started before anything needed durations (a watchdog or a listener that came
    /// later), from when a reader first saw it, which is a lower bound.
    /// </summary>
    internal static TimeSpan ElapsedOf(in CollectiveRecord record, long now)
    {
        if (record.IsTimed)
            return record.Elapsed(now);
        lock (FirstSeenGate)
        {
            if (firstSeenOrdinal != record.Ordinal)
            {
                firstSeenOrdinal = record.Ordinal;
                firstSeenTimestamp = now;
            }
            return Stopwatch.GetElapsedTime(firstSeenTimestamp, now);
        }
    }

    /// <summary>The completed collectives, oldest first (at most <see cref="Capacity"/>).</summary>
    internal static CollectiveRecord[] RecentlyCompleted() => ReadConsistent(static () =>
    {
        var total = completedCount;
        var count = (int)Math.Min(total, Capacity);
        var result = new CollectiveRecord[count];
        for (var i = 0; i < count; i++)
            result[i] = Ring[(total - count + i) % Ring.Length];
        return result;
    });

    /// <summary>Marks the collective in progress as having ended in an exception.</summary>
    internal static void MarkFailed()
    {
        BeginWrite();
        Ring[completedCount % Ring.Length].Failed = true;
        EndWrite();
    }

    [MethodImpl(HotPath.Optimized)]
    private static void End()
    {
        ref var record = ref Ring[completedCount % Ring.Length];
        var now = record.StartTimestamp != 0 ? Stopwatch.GetTimestamp() : 0;
        BeginWrite();
        record.EndTimestamp = now;
        completedCount++;
        completedByOp[(byte)record.Op]++;
        inCollective = false;
        if (record.Failed)
            failedCount++;
        else
            bytesGathered += record.Bytes * record.Group.Size;
        EndWrite();
        if (MlxMpiEventSource.Log.IsEnabled())
            MlxMpiEventSource.Log.CollectiveEnded(record, now == 0 ? double.NaN : Stopwatch.GetElapsedTime(record.StartTimestamp, now).TotalMilliseconds);
    }

    /// <summary>Counts for the EventCounters: collectives started and completed, completed with an exception, and
    /// bytes gathered by the ones that succeeded (result bytes on this rank).</summary>
    internal static (long Started, long Completed, long Failed, long Bytes) Totals() =>
        ReadConsistent(static () => (completedCount + (inCollective ? 1 : 0), completedCount, failedCount, bytesGathered));

    /// <summary>How many calls of <paramref name="op"/> this process completed (for the per-op EventCounters).</summary>
    internal static long CompletedOf(CollectiveOp op) => Volatile.Read(ref completedByOp[(byte)op]);

    /// <summary>
    /// The reader's side of the sequence lock: runs <paramref name="read"/> until it ran while no write was in
    /// progress and none started meanwhile, so what it copied is one consistent state.
    /// </summary>
    private static T ReadConsistent<T>(Func<T> read)
    {
        var spinner = new SpinWait();
        while (true)
        {
            var before = Volatile.Read(ref version);
            if ((before & 1) == 0)
            {
                var value = read();
                Interlocked.MemoryBarrier(); // the copies must be done before the version is read again
                if (Volatile.Read(ref version) == before)
                    return value;
            }
            spinner.SpinOnce();
        }
    }

    // A full fence on the way in: no store of the change may become visible before the version turns odd.
    private static void BeginWrite() => Interlocked.Increment(ref version);

    [MethodImpl(HotPath.Inlined)]
    private static void EndWrite() => Volatile.Write(ref version, version + 1);

    /// <summary>Ends the current record when disposed. A struct: no allocation per collective.</summary>
    internal readonly struct Scope(bool active) : IDisposable
    {
        public void Dispose()
        {
            if (active)
                End();
        }
    }
}
