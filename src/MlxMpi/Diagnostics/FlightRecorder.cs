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

    // More slots than the history: the collective in progress is written into the slot after the newest completed
    // one, so it never overwrites a record the history still shows. A power of two, so a slot is found with a mask
    // (a 64-bit division by 17 cost more than the rest of the bookkeeping).
    private const int RingSize = 32;
    private static readonly CollectiveRecord[] Ring = new CollectiveRecord[RingSize];
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
        // No version bump here (an interlocked operation per call): the record in progress is the ring slot the next
        // completed one goes to, which no history read touches (the ring is larger than the history), and readers of
        // the current call see it only after the release store of inCollective below, which follows these writes.
        // A reader that saw it keeps it consistent by the version: it cannot change again before End bumps that.
        ref var record = ref Ring[SlotOf(completedCount)];
        record.Op = op;
        record.Sequence = sequence;
        // References are stored only when they change: a store of a reference into this long-lived array goes
        // through the GC's write barrier, and a loop of calls on one group and array writes the same ones.
        if (!ReferenceEquals(record.Group, group))
            record.Group = group;
        if (!ReferenceEquals(record.Shape, input.Shape))
            record.Shape = input.Shape;
        record.Dtype = input.Dtype;
        record.Bytes = input.Bytes;
        record.StartTimestamp = start;
        record.EndTimestamp = 0;
        record.Failed = false;
        record.Ordinal = completedCount;
        Volatile.Write(ref inCollective, true);
        if (MlxMpiEventSource.Log.IsEnabled())
            MlxMpiEventSource.Log.CollectiveStarted(record);
        return new Scope(true);
    }

    /// <summary>The collective in progress, if any.</summary>
    internal static bool TryGetCurrent(out CollectiveRecord record)
    {
        // inCollective first (an acquire read): once it is seen set, the record of the call in progress is complete.
        (record, var busy) = ReadConsistent(static () => Volatile.Read(ref inCollective)
            ? (Ring[SlotOf(completedCount)], true)
            : (default, false));
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
            result[i] = Ring[SlotOf(total - count + i)];
        return result;
    });

    /// <summary>Marks the collective in progress as having ended in an exception.</summary>
    internal static void MarkFailed()
    {
        BeginWrite();
        Ring[SlotOf(completedCount)].Failed = true;
        EndWrite();
    }

    [MethodImpl(HotPath.Optimized)]
    private static void End()
    {
        ref var record = ref Ring[SlotOf(completedCount)];
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

    [MethodImpl(HotPath.Inlined)]
    private static int SlotOf(long ordinal) => (int)(ordinal & (RingSize - 1));

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
