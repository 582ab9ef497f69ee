using MlxMpi.Collectives;
using MlxMpi.Interop;
using System.Runtime.CompilerServices;

namespace MlxMpi;

/// <summary>
/// A group of ranks that take part in collectives together: an MPI communicator, or the singleton group
/// (rank 0 of 1, no MPI) that <see cref="Distributed.Init"/> returns outside an MPI launcher.
/// </summary>
/// <remarks>
/// Use one group from one thread at a time (or from several, one after the other): two threads that start
/// collectives on the same group at once cannot know which call each rank's MPI pairs with which, so MlxMpi refuses
/// the second with an <see cref="InvalidOperationException"/> instead of letting it pair different calls.
/// </remarks>
public sealed partial class Group : IDisposable
{
    private readonly GroupBackend backend;
    private readonly bool isWorld;
    private long sequence;
    private int disposed;
    private int callingThread; // the managed thread id inside a call on this group, 0 when none

    private Group(GroupBackend backend, bool isWorld)
    {
        this.backend = backend;
        this.isWorld = isWorld;
    }

    private static int groupsCreated = -1;

    /// <summary>
    /// Names the group in diagnostics: 0 for the world, then 1, 2, ... in the order this process created groups
    /// (splits are collective, so ranks that create the same groups in the same order agree on the numbers).
    /// </summary>
    internal int Id { get; } = Interlocked.Increment(ref groupsCreated);

    /// <summary>This process's rank in the group, from 0 to <see cref="Size"/> - 1.</summary>
    public int Rank
    {
        [MethodImpl(HotPath.Inlined)]
        get => backend.Rank;
    }

    /// <summary>The number of ranks in the group.</summary>
    public int Size
    {
        [MethodImpl(HotPath.Inlined)]
        get => backend.Size;
    }

    internal static Group CreateSingleton(bool isWorld = false) => new(SingletonBackend.Instance, isWorld);

    /// <summary>Wraps a communicator the shim created. Caller holds <see cref="MpiRuntime.CallLock"/>.</summary>
    internal static Group FromComm(CommHandle comm, bool isWorld) => new(new MpiBackend(comm), isWorld);

    /// <summary>A subgroup made by <see cref="Split"/>.</summary>
    internal static Group FromBackend(GroupBackend backend) => new(backend, isWorld: false);

    internal bool IsSingleton => backend is SingletonBackend;

    internal GroupBackend Backend
    {
        [MethodImpl(HotPath.Inlined)]
        get => backend;
    }

    internal bool IsDisposed
    {
        [MethodImpl(HotPath.Inlined)]
        get => Volatile.Read(ref disposed) != 0;
    }

    /// <summary>Numbers the collectives on this group; every rank counts alike, so the numbers reveal a desync.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal long NextSequence() => ++sequence;

    [MethodImpl(HotPath.Optimized)]
    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    /// <summary>
    /// Starts a call on this group from this thread: refuses a disposed group, and a second thread while another is
    /// inside a call (see the remarks on <see cref="Group"/>). Pair with <see cref="EndCall"/>.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    internal void BeginCall()
    {
        ThrowIfDisposed();
        var me = Environment.CurrentManagedThreadId;
        var other = Interlocked.CompareExchange(ref callingThread, me, 0);
        if (other != 0 && other != me)
            throw new InvalidOperationException(
                $"{this} is in a collective call on thread {other} while thread {me} starts another on it. One group must not be " +
                "used from two threads at once: the ranks could pair different calls. Use the group from one thread, or give each " +
                "thread a group of its own (Split).");
    }

    [MethodImpl(HotPath.Optimized)]
    internal void EndCall()
    {
        // Only this thread can have put its id there, and no other thread changes the field while it is there:
        // a plain store clears it (one interlocked operation fewer per call).
        if (callingThread == Environment.CurrentManagedThreadId)
            Volatile.Write(ref callingThread, 0);
    }

    /// <summary>
    /// Splits the group (MPI_Comm_split): ranks passing the same <paramref name="color"/> form one subgroup, ordered
    /// by <paramref name="key"/> (ties by rank in this group); a negative key means this rank's <see cref="Rank"/>.
    /// Collective: every rank of the group must call it. A negative color on any rank throws on every rank
    /// (ArgumentOutOfRangeException there, CollectiveMismatchException on the others) and the group stays usable.
    /// </summary>
    public Group Split(int color, int key = -1)
    {
        var badColor = color < 0
            ? new ArgumentOutOfRangeException(nameof(color), color, "a split color must be >= 0")
            : null;
        if (IsSingleton)
        {
            ThrowIfDisposed();
            return badColor is null ? CreateSingleton() : throw badColor;
        }
        return CollectiveSkeleton.Run<SplitCall, Group>(this, new SplitCall(color, key < 0 ? Rank : key, badColor));
    }

    /// <summary>
    /// Releases the communicator of a group made by <see cref="Split"/>. Collectives already started on it (queued
    /// async ones included) still complete: the communicator is freed when the last of them ends. New calls throw
    /// <see cref="ObjectDisposedException"/>. Disposing the world group from <see cref="Distributed.Init"/> does
    /// nothing: Init returns that same group to every caller for the life of the process, and MPI_Finalize releases
    /// it at exit.
    /// </summary>
    public void Dispose()
    {
        if (isWorld || Interlocked.Exchange(ref disposed, 1) != 0)
            return;
        backend.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => IsSingleton ? "Group(singleton)" : $"Group(rank={Rank}, size={Size})";
}
