using System.Runtime.CompilerServices;

namespace MlxMpi.Collectives;

/// <summary>
/// Runs every collective of the process in the order its calls started, one at a time: the order of collective
/// calls is what MPI matches across ranks, so an async gather started before a sync one must also reach MPI first.
/// A sync call with nothing ahead of it runs at once on the caller's thread (no allocation, no thread hop);
/// otherwise it waits its turn. Queued work runs on one dedicated background thread, so MlxMpi never makes two MPI
/// calls at once, whatever the thread level.
/// </summary>
internal static class CollectiveQueue
{
    private static readonly object Gate = new(); // guards Pending and the worker's creation
    private static readonly Queue<QueuedCollective> Pending = new();
    private static readonly SemaphoreSlim Wake = new(0);
    private static Thread? worker;
    // 1 while a collective runs (inline or on the worker) or the worker has been woken to drain. Changed with
    // Interlocked only: the inline fast path is one compare-exchange and one exchange, not two Monitor sections
    // (~26 ns of an 8-byte gather's ~200). Whoever moves it from 0 to 1 for queued work wakes the worker.
    private static int busy;
    private static int pendingCount; // Pending.Count, readable without the lock

    /// <summary>
    /// Runs <paramref name="work"/> in order. The work receives null, or the exception to announce to the other ranks
    /// instead of taking part normally (never, for sync calls). Pass a static lambda and a struct state: the fast
    /// path then allocates nothing.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    internal static TResult Run<TState, TResult>(TState state, Func<TState, Exception?, TResult> work)
    {
        if (TryEnterInline())
        {
            try
            {
                return work(state, null);
            }
            finally
            {
                ExitInline();
            }
        }
        if (Thread.CurrentThread == worker)
            return work(state, null); // a collective that starts another from within cannot wait for itself
        return Enqueue(state, work, CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>Queues <paramref name="work"/> behind every collective started before it and returns at once.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal static Task<TResult> Enqueue<TState, TResult>(TState state, Func<TState, Exception?, TResult> work, CancellationToken cancellationToken)
    {
        var item = new QueuedCollective<TState, TResult>(state, work, cancellationToken);
        lock (Gate)
        {
            Pending.Enqueue(item);
            Interlocked.Increment(ref pendingCount);
            worker ??= StartWorker();
        }
        // The count is raised before busy is tested (both full fences), and a finishing collective clears busy
        // before it tests the count: one of the two always sees the other, so the item is never stranded.
        if (Interlocked.CompareExchange(ref busy, 1, 0) == 0)
            Wake.Release();
        return item.Task;
    }

    /// <summary>
    /// Waits until no collective runs or waits in the queue, at most <paramref name="limit"/>; returns false (and how
    /// many were still pending) when the time ran out. Used at process exit, where queued collectives still run to
    /// completion before MPI is finalized: every rank queued the same ones, so they complete everywhere.
    /// </summary>
    internal static bool WaitUntilIdle(TimeSpan limit, out int stillPending)
    {
        var deadline = Environment.TickCount64 + (long)limit.TotalMilliseconds;
        while (Volatile.Read(ref busy) != 0 || Volatile.Read(ref pendingCount) != 0)
        {
            if (Environment.TickCount64 >= deadline)
            {
                stillPending = Volatile.Read(ref pendingCount) + Volatile.Read(ref busy);
                return false;
            }
            Thread.Sleep(1);
        }
        stillPending = 0;
        return true;
    }

    /// <summary>Takes the queue for a sync call on the caller's thread when nothing is queued or running; pair with
    /// <see cref="ExitInline"/>. False: use <see cref="Run"/>, which waits its turn.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal static bool TryEnterInline()
    {
        if (Interlocked.CompareExchange(ref busy, 1, 0) != 0)
            return false;
        if (Volatile.Read(ref pendingCount) == 0)
            return true;
        // Queued work that was started earlier (its owner saw busy set and left it to us): it goes first, so hand
        // the queue to the worker (busy stays set for it) and queue behind it.
        Wake.Release();
        return false;
    }

    [MethodImpl(HotPath.Inlined)]
    internal static void ExitInline() => ReleaseBusy();

    /// <summary>Clears busy; if work was queued meanwhile, takes busy back for it and wakes the worker.</summary>
    [MethodImpl(HotPath.Optimized)]
    private static void ReleaseBusy()
    {
        Interlocked.Exchange(ref busy, 0);
        if (Volatile.Read(ref pendingCount) > 0 && Interlocked.CompareExchange(ref busy, 1, 0) == 0)
            Wake.Release();
    }

    private static Thread StartWorker()
    {
        var thread = new Thread(Drain) { IsBackground = true, Name = "MlxMpi collectives" };
        thread.Start();
        return thread;
    }

    [MethodImpl(HotPath.Optimized)]
    private static void Drain()
    {
        while (true)
        {
            Wake.Wait();
            while (true)
            {
                QueuedCollective? item;
                lock (Gate)
                {
                    if (Pending.TryDequeue(out item))
                        Interlocked.Decrement(ref pendingCount);
                }
                if (item is null)
                    break;
                item.Execute();
            }
            // Busy is released only here, after the queue ran dry; ReleaseBusy wakes this loop again if work
            // arrived in between.
            ReleaseBusy();
        }
    }
}

/// <summary>A collective waiting in <see cref="CollectiveQueue"/>.</summary>
internal abstract class QueuedCollective
{
    internal abstract void Execute();
}

/// <summary>
/// One queued collective and its task. Cancelled before it starts, the task ends at once as cancelled, and when its
/// turn comes the collective still takes part in the header phase, announcing the cancellation, so that the other
/// ranks throw instead of waiting for it. Once started it cannot be cancelled.
/// </summary>
internal sealed class QueuedCollective<TState, TResult> : QueuedCollective
{
    private const int Waiting = 0, Started = 1, Cancelled = 2;
    private readonly TState state;
    private readonly Func<TState, Exception?, TResult> work;
    private readonly TaskCompletionSource<TResult> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationToken cancellationToken;
    private readonly CancellationTokenRegistration registration;
    private int phase;

    [MethodImpl(HotPath.Optimized)]
    internal QueuedCollective(TState state, Func<TState, Exception?, TResult> work, CancellationToken cancellationToken)
    {
        this.state = state;
        this.work = work;
        this.cancellationToken = cancellationToken;
        if (cancellationToken.CanBeCanceled)
            registration = cancellationToken.Register(static self => ((QueuedCollective<TState, TResult>)self!).CancelIfWaiting(), this);
    }

    internal Task<TResult> Task => completion.Task;

    private void CancelIfWaiting()
    {
        if (Interlocked.CompareExchange(ref phase, Cancelled, Waiting) == Waiting)
            completion.TrySetCanceled(cancellationToken);
    }

    [MethodImpl(HotPath.Optimized)]
    internal override void Execute()
    {
        registration.Dispose();
        var cancelled = Interlocked.CompareExchange(ref phase, Started, Waiting) == Cancelled;
        try
        {
            var result = work(state, cancelled ? new OperationCanceledException("the collective was cancelled on this rank before it started", cancellationToken) : null);
            if (!completion.TrySetResult(result) && result is IDisposable unused)
                unused.Dispose();
        }
        catch (Exception e)
        {
            if (!cancelled)
                completion.TrySetException(e);
        }
    }
}
