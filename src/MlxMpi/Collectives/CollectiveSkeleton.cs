using System.Runtime.CompilerServices;
using MlxMpi.Diagnostics;
using MlxMpi.Interop;

namespace MlxMpi.Collectives;

/// <summary>
/// The one header-phase runner every collective goes through (AllGather, AllGatherInto, AllGatherUneven, Split, the
/// reductions, SumScatter): in <see cref="CollectiveQueue"/> order and under <see cref="MpiRuntime.CallLock"/>, it
/// numbers the call, records it, lets the op prepare (or announces the op's local failure), swaps the headers,
/// requires every rank to agree, and only then lets the op move data. An op is a struct implementing
/// <see cref="ICollectiveCall{TResult}"/>: a few lines of description and its data phase.
/// </summary>
internal static class CollectiveSkeleton
{
    /// <summary>Runs <paramref name="call"/> now (or after the collectives started before it) and returns its result.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal static TResult Run<TCall, TResult>(Group group, TCall call) where TCall : struct, ICollectiveCall<TResult>
    {
        group.BeginCall();
        try
        {
            var comm = group.Backend.Comm;
            comm.BeginHold();
            try
            {
                // Nothing queued ahead (the common case): run here, with no delegate between this and the op, so the
                // op's struct methods inline into one specialised body.
                if (CollectiveQueue.TryEnterInline())
                {
                    try
                    {
                        return Execute<TCall, TResult>(group, ref call, null);
                    }
                    finally
                    {
                        CollectiveQueue.ExitInline();
                    }
                }
                return CollectiveQueue.Run((group, call), [MethodImpl(HotPath.Optimized)] static (s, announce) => Execute<TCall, TResult>(s.group, ref s.call, announce));
            }
            finally
            {
                comm.EndHold();
            }
        }
        finally
        {
            group.EndCall();
        }
    }

    /// <summary>
    /// Queues <paramref name="call"/> behind every collective this rank started before it and returns at once. The
    /// communicator is held until the call ends, so disposing the group meanwhile defers its free.
    /// <paramref name="afterwards"/> runs when the call has ended (the caller's views are released there).
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    internal static Task<TResult> Enqueue<TCall, TResult>(Group group, TCall call, IDisposable? afterwards, CancellationToken cancellationToken)
        where TCall : struct, ICollectiveCall<TResult>
    {
        group.BeginCall();
        try
        {
            var comm = group.Backend.Comm;
            comm.BeginHold();
            try
            {
                return CollectiveQueue.Enqueue((group, call, comm, afterwards), [MethodImpl(HotPath.Optimized)] static (s, announce) =>
                {
                    try
                    {
                        return Execute<TCall, TResult>(s.group, ref s.call, announce);
                    }
                    finally
                    {
                        s.afterwards?.Dispose();
                        s.comm.EndHold();
                    }
                }, cancellationToken);
            }
            catch
            {
                comm.EndHold();
                throw;
            }
        }
        finally
        {
            group.EndCall();
        }
    }

    /// <summary>
    /// The header phase and the op's data phase. <paramref name="announce"/>, when set, is a failure to report
    /// instead of taking part (a cancelled async call).
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    private static TResult Execute<TCall, TResult>(Group group, ref TCall call, Exception? announce)
        where TCall : struct, ICollectiveCall<TResult>
    {
        lock (MpiRuntime.CallLock)
        {
            var backend = group.Backend;
            var header = backend.Header;
            var seq = group.NextSequence();
            header.StartCall();
            var op = call.Op;
            var failure = announce ?? call.Prepare(group, header, seq);
            using var recording = FlightRecorder.Begin(group, op, seq, call.Input);
            if (failure is not null)
                header.WriteFailure(op, seq, failure.Message);
            var succeeded = false;
            // The caller holds the communicator for the whole call (Run, Enqueue): its native calls need no more.
            var previousMark = backend.Comm.BeginRunningCall();
            try
            {
                header.Swap(backend.Comm);
                header.RequireAgreement(op, seq, failure);
                var result = call.Complete(group, header);
                succeeded = true;
                return result;
            }
            catch
            {
                FlightRecorder.MarkFailed();
                throw;
            }
            finally
            {
                call.Release(succeeded);
                backend.Comm.EndRunningCall(previousMark);
            }
        }
    }
}
