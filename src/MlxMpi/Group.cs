using MlxMpi.Collectives;
using MlxMpi.Diagnostics;
using MlxMpi.Interop;

namespace MlxMpi;

/// <summary>
/// A group of ranks that take part in collectives together: an MPI communicator, or the singleton group
/// (rank 0 of 1, no MPI) that <see cref="Distributed.Init"/> returns outside an MPI launcher.
/// </summary>
public sealed unsafe partial class Group : IDisposable
{
    private readonly CommHandle? comm;
    private readonly HeaderExchange? header;
    private readonly bool isWorld;
    private long sequence;
    private bool disposed;

    private Group(CommHandle? comm, int rank, int size, bool isWorld)
    {
        this.comm = comm;
        this.isWorld = isWorld;
        Rank = rank;
        Size = size;
        header = comm is null ? null : new HeaderExchange(size);
    }

    private static int groupsCreated = -1;

    /// <summary>
    /// Names the group in diagnostics: 0 for the world, then 1, 2, ... in the order this process created groups
    /// (splits are collective, so ranks that create the same groups in the same order agree on the numbers).
    /// </summary>
    internal int Id { get; } = Interlocked.Increment(ref groupsCreated);

    /// <summary>This process's rank in the group, from 0 to <see cref="Size"/> - 1.</summary>
    public int Rank { get; }

    /// <summary>The number of ranks in the group.</summary>
    public int Size { get; }

    internal static Group CreateSingleton(bool isWorld = false) => new(null, 0, 1, isWorld);

    /// <summary>Wraps a communicator the shim created. Caller holds <see cref="MpiRuntime.CallLock"/>.</summary>
    internal static Group FromComm(CommHandle comm, bool isWorld)
    {
        int rank, size;
        NativeStatus.Check(NativeMethods.mlxmpi_comm_rank(comm.Pointer, &rank));
        NativeStatus.Check(NativeMethods.mlxmpi_comm_size(comm.Pointer, &size));
        return new Group(comm, rank, size, isWorld);
    }

    internal bool IsSingleton => comm is null;

    internal CommHandle Comm => comm ?? throw new InvalidOperationException("the singleton group has no communicator");

    internal HeaderExchange Header => header ?? throw new InvalidOperationException("the singleton group has no header phase");

    /// <summary>Numbers the collectives on this group; every rank counts alike, so the numbers reveal a desync.</summary>
    internal long NextSequence() => ++sequence;

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    /// <summary>
    /// Splits the group (MPI_Comm_split): ranks passing the same <paramref name="color"/> form one subgroup, ordered
    /// by <paramref name="key"/> (ties by rank in this group); a negative key means this rank's <see cref="Rank"/>.
    /// Collective: every rank of the group must call it. A negative color on any rank throws on every rank
    /// (ArgumentOutOfRangeException there, CollectiveMismatchException on the others) and the group stays usable.
    /// </summary>
    public Group Split(int color, int key = -1)
    {
        ThrowIfDisposed();
        var badColor = color < 0
            ? new ArgumentOutOfRangeException(nameof(color), color, "a split color must be >= 0")
            : null;
        if (IsSingleton)
            return badColor is null ? CreateSingleton() : throw badColor;

        return CollectiveQueue.Run((group: this, color, key, badColor),
            static (s, announce) => s.group.SplitInOrder(s.color, s.key, announce ?? s.badColor));
    }

    /// <summary>The collective part of <see cref="Split"/>; runs in <see cref="CollectiveQueue"/> order.</summary>
    private Group SplitInOrder(int color, int key, Exception? badColor)
    {
        lock (MpiRuntime.CallLock)
        {
            var seq = NextSequence();
            using var recording = FlightRecorder.Begin(this, CollectiveOp.Split, seq, null);
            try
            {
                return SplitCollective(seq, color, key, badColor);
            }
            catch
            {
                FlightRecorder.MarkFailed();
                throw;
            }
        }
    }

    private Group SplitCollective(long seq, int color, int key, Exception? badColor)
    {
        if (badColor is null)
        {
            var payload = header!.WriteCall(CollectiveOp.Split, seq, default, [], 2 * sizeof(int));
            ((int*)payload)[0] = color;
            ((int*)payload)[1] = key;
        }
        else
        {
            header!.WriteFailure(CollectiveOp.Split, seq, badColor.Message);
        }
        header.Swap(comm!);
        header.RequireAgreement(CollectiveOp.Split, seq, badColor);

        mlxmpi_comm* subgroup;
        NativeStatus.Check(NativeMethods.mlxmpi_comm_split(comm!.Pointer, color, key < 0 ? Rank : key, &subgroup));
        return FromComm(CommHandle.FromNative(subgroup), isWorld: false);
    }

    /// <summary>
    /// Releases the communicator of a group made by <see cref="Split"/>. Disposing the world group from
    /// <see cref="Distributed.Init"/> does nothing: Init returns that same group to every caller for the life of the
    /// process, and MPI_Finalize releases it at exit.
    /// </summary>
    public void Dispose()
    {
        if (isWorld || disposed)
            return;
        disposed = true;
        comm?.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => IsSingleton ? "Group(singleton)" : $"Group(rank={Rank}, size={Size})";
}
