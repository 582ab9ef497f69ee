using System.Runtime.CompilerServices;
using MlxMpi.Collectives;
using MlxMpi.Interop;

namespace MlxMpi;

/// <summary>
/// What a <see cref="Group"/> communicates through, as MLX's GroupImpl: an MPI communicator
/// (<see cref="MpiBackend"/>) or nothing at all (<see cref="SingletonBackend"/>, the world outside a launcher).
/// Operations on a group of one never reach the backend, so the singleton backend only answers rank and size.
/// </summary>
internal abstract class GroupBackend : IDisposable
{
    internal abstract int Rank { [MethodImpl(HotPath.Inlined)] get; }

    internal abstract int Size { [MethodImpl(HotPath.Inlined)] get; }

    /// <summary>The communicator every native call of this group holds for its duration.</summary>
    internal abstract CommHandle Comm { get; }

    /// <summary>The group's header phase (its pinned slots).</summary>
    internal abstract HeaderExchange Header { get; }

    /// <summary>Point-to-point counters and buffers (made on first use).</summary>
    internal abstract PeerChannels Peers { get; }

    /// <summary>MPI_Comm_split; collective. Caller holds <see cref="MpiRuntime.CallLock"/>.</summary>
    internal abstract GroupBackend Split(int color, int key);

    public abstract void Dispose();
}

/// <summary>A group backed by one of MlxMpi's own MPI communicators (a duplicate or a split, never the host's).</summary>
internal sealed class MpiBackend : GroupBackend
{
    private readonly CommHandle comm;
    private readonly HeaderExchange header;

    /// <summary>Takes over <paramref name="comm"/>. Caller holds <see cref="MpiRuntime.CallLock"/>.</summary>
    internal MpiBackend(CommHandle comm)
    {
        this.comm = comm;
        (Rank, Size) = ShimCalls.RankAndSize(comm);
        header = new HeaderExchange(Size);
    }

    internal override int Rank { [MethodImpl(HotPath.Inlined)] get; }

    internal override int Size { [MethodImpl(HotPath.Inlined)] get; }

    internal override CommHandle Comm
    {
        [MethodImpl(HotPath.Inlined)]
        get => comm;
    }

    internal override HeaderExchange Header
    {
        [MethodImpl(HotPath.Inlined)]
        get => header;
    }

    private PeerChannels? peers;

    internal override PeerChannels Peers => peers ??= new PeerChannels(Size);

    internal override GroupBackend Split(int color, int key) => new MpiBackend(ShimCalls.Split(comm, color, key));

    /// <summary>Releases this group's hold: the communicator is freed once no queued or running call holds it.</summary>
    public override void Dispose() => comm.Dispose();
}

/// <summary>The world of one process that no launcher started: rank 0 of 1, no MPI.</summary>
internal sealed class SingletonBackend : GroupBackend
{
    internal static readonly SingletonBackend Instance = new();

    private SingletonBackend() { }

    internal override int Rank => 0;

    internal override int Size => 1;

    internal override CommHandle Comm => throw new InvalidOperationException("the singleton group has no communicator");

    internal override HeaderExchange Header => throw new InvalidOperationException("the singleton group has no header phase");

    internal override PeerChannels Peers => throw new InvalidOperationException("the singleton group has no peers");

    internal override GroupBackend Split(int color, int key) => this;

    public override void Dispose() { }
}
