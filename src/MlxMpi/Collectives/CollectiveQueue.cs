using System.Runtime.CompilerServices;

namespace MlxMpi.Collectives;

/// <summary>
/// Runs every collective of the process in the order its calls started, one at a time: the order of collective
/// calls is what MPI matches across ranks, so an async gather started before a sync one must also reach MPI first.
/// A sync call with nothing ahead of it runs at once on the caller's thread (no allocation, no thread hop);
/// otherwise it waits its turn. Queued work runs on one dedicated background thread, or on a thread that blocks
/// waiting for a queued call's task: that thread runs the queue itself, in order, up to its call, instead of waiting
/// for the worker to wake and then being woken in turn (two thread wake-ups, 5-9 us here). One drainer at a time,
/// so MlxMpi never makes two MPI calls at once, whatever the thread level.
/// </summary>
internal static class CollectiveQueue
{
    private static readonly object Gate = new(); // guards Pending and the worker's creation
    private static readonly Queue<QueuedCollective> Pending = new();
    private static readonly SemaphoreSlim Wake = new(0);
    // Held by whoever takes and runs queued work (the worker, or a caller waiting for its task): one at a time, in
    // queue order.
    private static readonly object DrainGate = new();
    private static Thread? worker;
    // Who may run collectives now: Free; Inline, a sync call on its caller's thread; Session, queued work, run by
    // whoever holds DrainGate until the queue is dry. Changed with Interlocked only: the inline fast path is one
    // compare-exchange and one exchange. Whoever starts a session wakes the worker, which runs it unless a waiting
    // caller already does.
    private const int Free = 0, Inline = 1, Session = 2;
    private static int busy;
    private static int pendingCount; // Pending.Count, readable without the lock
    [ThreadStatic] private static bool draining; // this thread runs queued work now (a collective inside one runs at once)
    private static long runByWaiters;

    /// <summary>Queued calls run by a thread that was waiting for a task rather than by the worker (for tests).</summary>
    internal static long RunByWaiters => Interlocked.Read(ref runByWaiters);

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
        if (draining)
            return work(state, null); // a collective that starts another from within cannot wait for itself
        // Waiting on the task runs the queue on this thread up to this call (CollectiveScheduler), when nothing runs.
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
        StartSession();
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
        while (Volatile.Read(ref busy) != Free || Volatile.Read(ref pendingCount) != 0)
        {
            if (Environment.TickCount64 >= deadline)
            {
                stillPending = Volatile.Read(ref pendingCount) + (Volatile.Read(ref busy) != Free ? 1 : 0);
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
        if (Interlocked.CompareExchange(ref busy, Inline, Free) != Free)
            return false;
        if (Volatile.Read(ref pendingCount) == 0)
            return true;
        // Queued work that was started earlier (its owner saw busy set and left it to us): it goes first, so turn our
        // hold into a session for it and queue behind it.
        Volatile.Write(ref busy, Session);
        Wake.Release();
        return false;
    }

    /// <summary>Ends a sync call's hold; if work was queued meanwhile, starts a session for it.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal static void ExitInline()
    {
        Interlocked.Exchange(ref busy, Free);
        if (Volatile.Read(ref pendingCount) > 0)
            StartSession();
    }

    [MethodImpl(HotPath.Optimized)]
    private static void StartSession()
    {
        if (Interlocked.CompareExchange(ref busy, Session, Free) == Free)
            Wake.Release();
    }

    /// <summary>
    /// Called by a thread that blocks on <paramref name="awaited"/>'s task: runs the queue, in order, until that call
    /// has run, if a session is on (otherwise the call waits for a sync call on another thread, then the worker runs
    /// it). True when the call ran. Queued calls after it are left to the worker.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    internal static bool RunUntil(QueuedCollective awaited) => !draining && RunSession(awaited);

    /// <summary>Ends the session (the caller holds DrainGate); work queued meanwhile starts the next one, for the
    /// worker. The count is read after busy is cleared (both full fences), as in <see cref="Enqueue"/>.</summary>
    [MethodImpl(HotPath.Optimized)]
    private static void EndSession()
    {
        Interlocked.CompareExchange(ref busy, Free, Session);
        if (Volatile.Read(ref pendingCount) > 0)
            StartSession();
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
            RunSession(awaited: null);
        }
    }

    /// <summary>
    /// Takes and runs queued calls while a session is on; the drainer that finds the queue dry ends the session (and
    /// starts the next if work arrived meanwhile). With <paramref name="awaited"/>, stops once that call has run.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    private static bool RunSession(QueuedCollective? awaited)
    {
        lock (DrainGate)
        {
            draining = true;
            try
            {
                while (true)
                {
                    if (awaited is { HasRun: true })
                    {
                        // The caller's call has run. If nothing else waits, end the session here, so the caller's next
                        // sync call runs inline at once instead of queueing until the worker wakes to end it.
                        if (Volatile.Read(ref pendingCount) == 0)
                            EndSession();
                        return true;
                    }
                    if (Volatile.Read(ref busy) != Session)
                        return false; // no session (a sync call runs, or another drainer ended it): nothing to take
                    QueuedCollective? item;
                    lock (Gate)
                    {
                        if (Pending.TryDequeue(out item))
                            Interlocked.Decrement(ref pendingCount);
                    }
                    if (item is not null)
                    {
                        item.Execute();
                        if (awaited is not null)
                            Interlocked.Increment(ref runByWaiters);
                        continue;
                    }
                    if (awaited is not null)
                    {
                        // Dry although the caller's call has not run: not reachable while this thread holds the gate
                        // (the call was queued before its task was handed out, and drainers run what they take under
                        // the gate). Ended as the worker would, and the caller falls back to a blocking wait.
                        EndSession();
                        return false;
                    }
                    // Dry: end the session, and go on with one that work queued meanwhile starts.
                    Interlocked.CompareExchange(ref busy, Free, Session);
                    if (Volatile.Read(ref pendingCount) == 0 || Interlocked.CompareExchange(ref busy, Session, Free) != Free)
                        return false;
                }
            }
            finally
            {
                draining = false;
            }
        }
    }
}

/// <summary>A collective waiting in <see cref="CollectiveQueue"/>.</summary>
internal abstract class QueuedCollective
{
    private volatile bool hasRun;

    /// <summary>Whether <see cref="Execute"/> has finished (the task is complete, or the cancellation announced).</summary>
    internal bool HasRun => hasRun;

    /// <summary>Runs the collective (the drainer's side). Never throws: failures end in the task.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal void Execute()
    {
        try
        {
            Run();
        }
        finally
        {
            hasRun = true;
        }
    }

    private protected abstract void Run();

    /// <summary>Claims the call for its cancellation (true), unless it has started.</summary>
    internal abstract bool TryCancel();
}

/// <summary>
/// One queued collective and its task, a task of <see cref="CollectiveScheduler"/>: a thread that blocks on it runs
/// the queue up to it. Cancelled before it starts, the task ends at once as cancelled, and when its turn comes the
/// collective still takes part in the header phase, announcing the cancellation, so that the other ranks throw
/// instead of waiting for it. Once started it cannot be cancelled.
/// </summary>
internal sealed class QueuedCollective<TState, TResult> : QueuedCollective
{
    private const int Waiting = 0, Started = 1, Cancelled = 2;
    private readonly TState state;
    private readonly Func<TState, Exception?, TResult> work;
    private readonly CancellationToken cancellationToken;
    private int phase;
    private bool workRan;

    [MethodImpl(HotPath.Optimized)]
    internal QueuedCollective(TState state, Func<TState, Exception?, TResult> work, CancellationToken cancellationToken)
    {
        this.state = state;
        this.work = work;
        this.cancellationToken = cancellationToken;
        // The task's token cancels it at once while it waits (the scheduler's TryDequeue claims it for that); a token
        // cancelled already makes a task that is cancelled from the start.
        Task = new Task<TResult>([MethodImpl(HotPath.Optimized)] static (self) => ((QueuedCollective<TState, TResult>)self!).RunWork(), this, cancellationToken,
                                 TaskCreationOptions.RunContinuationsAsynchronously);
        if (Task.IsCanceled)
            phase = Cancelled;
        else
            Task.Start(CollectiveScheduler.Instance);
    }

    internal Task<TResult> Task { get; }

    [MethodImpl(HotPath.Optimized)]
    internal override bool TryCancel() => Interlocked.CompareExchange(ref phase, Cancelled, Waiting) == Waiting;

    [MethodImpl(HotPath.Optimized)]
    private protected override void Run()
    {
        if (Interlocked.CompareExchange(ref phase, Started, Waiting) == Waiting)
        {
            CollectiveScheduler.Instance.Execute(Task);
            // The token fired between the claim and the start: the task ended cancelled without running the work.
            if (workRan)
                return;
        }
        Announce();
    }

    [MethodImpl(HotPath.Optimized)]
    private TResult RunWork()
    {
        workRan = true;
        return work(state, null);
    }

    /// <summary>Takes part in the header phase only to tell the other ranks this call was cancelled here.</summary>
    [MethodImpl(HotPath.Optimized)]
    private void Announce()
    {
        try
        {
            var result = work(state, new OperationCanceledException("the collective was cancelled on this rank before it started", cancellationToken));
            (result as IDisposable)?.Dispose();
        }
        catch (Exception)
        {
            // Expected: the announced failure ends the call; the task already says it was cancelled.
        }
    }
}

/// <summary>
/// The scheduler of queued collectives' tasks. It queues nothing itself (<see cref="CollectiveQueue"/> holds the
/// order); it runs a task inline for a thread that blocks on it (Wait, Result, GetAwaiter().GetResult(), with no
/// timeout), by running the queue up to it, and lets a cancelled token end a task that has not started.
/// </summary>
internal sealed class CollectiveScheduler : TaskScheduler
{
    internal static readonly CollectiveScheduler Instance = new();

    private CollectiveScheduler() { }

    /// <summary>Maximum concurrency 1: the queue runs one collective at a time.</summary>
    public override int MaximumConcurrencyLevel => 1;

    [MethodImpl(HotPath.Optimized)]
    internal void Execute(Task task) => TryExecuteTask(task);

    [MethodImpl(HotPath.Optimized)]
    protected override void QueueTask(Task task)
    {
        // The call is already in the collective queue (QueuedCollective's constructor runs before the enqueue).
    }

    [MethodImpl(HotPath.Optimized)]
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        taskWasPreviouslyQueued && task.AsyncState is QueuedCollective item && CollectiveQueue.RunUntil(item) && task.IsCompleted;

    [MethodImpl(HotPath.Optimized)]
    protected override bool TryDequeue(Task task) => task.AsyncState is QueuedCollective item && item.TryCancel();

    protected override IEnumerable<Task>? GetScheduledTasks() => null;
}
