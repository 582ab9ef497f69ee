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
    private static readonly object Gate = new();
    private static readonly Queue<QueuedCollective> Pending = new();
    private static readonly SemaphoreSlim Wake = new(0);
    private static Thread? worker;
    private static bool busy; // a collective runs (inline or on the worker), or the worker is about to drain

    /// <summary>
    /// Runs <paramref name="work"/> in order. The work receives null, or the exception to announce to the other ranks
    /// instead of taking part normally (never, for sync calls). Pass a static lambda and a struct state: the fast
    /// path then allocates nothing.
    /// </summary>
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
    internal static Task<TResult> Enqueue<TState, TResult>(TState state, Func<TState, Exception?, TResult> work, CancellationToken cancellationToken)
    {
        var item = new QueuedCollective<TState, TResult>(state, work, cancellationToken);
        lock (Gate)
        {
            Pending.Enqueue(item);
            worker ??= StartWorker();
            if (!busy)
            {
                busy = true;
                Wake.Release();
            }
        }
        return item.Task;
    }

    private static bool TryEnterInline()
    {
        lock (Gate)
        {
            if (busy || Pending.Count > 0)
                return false;
            busy = true;
            return true;
        }
    }

    private static void ExitInline()
    {
        lock (Gate)
        {
            busy = Pending.Count > 0;
            if (busy)
                Wake.Release(); // hand the queue that built up meanwhile to the worker
        }
    }

    private static Thread StartWorker()
    {
        var thread = new Thread(Drain) { IsBackground = true, Name = "MlxMpi collectives" };
        thread.Start();
        return thread;
    }

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
                    if (!Pending.TryDequeue(out item))
                    {
                        busy = false;
                        break;
                    }
                }
                item.Execute();
            }
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
