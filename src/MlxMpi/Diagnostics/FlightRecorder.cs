using System.Diagnostics;
using MlxMpi.Collectives;

namespace MlxMpi.Diagnostics;

/// <summary>
/// The collective this rank is in now, and the last 16 it completed: what a hang report needs to say where this
/// rank is. Updated twice per collective under a small lock of its own (never the MPI lock, which a hung collective
/// holds), with records kept by value so the hot path allocates nothing.
/// </summary>
internal static class FlightRecorder
{
    internal const int Capacity = 16;

    private static readonly object Gate = new();
    private static readonly CollectiveRecord[] Completed = new CollectiveRecord[Capacity];
    private static int completedCount;
    private static CollectiveRecord current;
    private static bool inCollective;

    /// <summary>Marks the start of a collective; dispose the scope when it ends (normally or by an exception).</summary>
    internal static Scope Begin(Group group, CollectiveOp op, long sequence, MlxArray? input)
    {
        var record = CollectiveRecord.Start(group, op, sequence, input);
        lock (Gate)
        {
            current = record;
            inCollective = true;
        }
        MlxMpiEventSource.Log.CollectiveStarted(record);
        return new Scope(true);
    }

    /// <summary>The collective in progress, if any.</summary>
    internal static bool TryGetCurrent(out CollectiveRecord record)
    {
        lock (Gate)
        {
            record = current;
            return inCollective;
        }
    }

    /// <summary>The completed collectives, oldest first (at most <see cref="Capacity"/>).</summary>
    internal static CollectiveRecord[] RecentlyCompleted()
    {
        lock (Gate)
        {
            var count = Math.Min(completedCount, Capacity);
            var result = new CollectiveRecord[count];
            for (var i = 0; i < count; i++)
                result[i] = Completed[(completedCount - count + i) % Capacity];
            return result;
        }
    }

    /// <summary>Marks the collective in progress as having ended in an exception.</summary>
    internal static void MarkFailed()
    {
        lock (Gate)
            current.Failed = true;
    }

    private static void End()
    {
        var now = Stopwatch.GetTimestamp();
        CollectiveRecord ended;
        lock (Gate)
        {
            current.EndTimestamp = now;
            ended = current;
            Completed[completedCount % Capacity] = current;
            completedCount++;
            inCollective = false;
        }
        MlxMpiEventSource.Log.CollectiveEnded(ended, Stopwatch.GetElapsedTime(ended.StartTimestamp, now).TotalMilliseconds);
    }

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
