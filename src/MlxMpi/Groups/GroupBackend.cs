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
    // Fields, not virtual properties: every collective reads them, and a call through the base class could not be
    // inlined (the hot path is compiled without profile data, so no guarded devirtualisation either).
    private readonly CommHandle? comm;
    private readonly HeaderExchange? header;

    private protected GroupBackend(int rank, int size, CommHandle? comm, HeaderExchange? header)
    {
        Rank = rank;
        Size = size;
        this.comm = comm;
        this.header = header;
    }

    internal int Rank { [MethodImpl(HotPath.Inlined)] get; }

    internal int Size { [MethodImpl(HotPath.Inlined)] get; }

    /// <summary>The communicator every native call of this group holds for its duration.</summary>
    internal CommHandle Comm
    {
        [MethodImpl(HotPath.Inlined)]
        get => comm ?? throw new InvalidOperationException("the singleton group has no communicator");
    }

    /// <summary>The group's header phase (its pinned slots).</summary>
    internal HeaderExchange Header
    {
        [MethodImpl(HotPath.Inlined)]
        get => header ?? throw new InvalidOperationException("the singleton group has no header phase");
    }

    /// <summary>Point-to-point counters and buffers (made on first use).</summary>
    internal abstract PeerChannels Peers { get; }

    /// <summary>MPI_Comm_split; collective. Caller holds <see cref="MpiRuntime.CallLock"/>.</summary>
    internal abstract GroupBackend Split(int color, int key);

    public abstract void Dispose();
}

/// <summary>A group backed by one of MlxMpi's own MPI communicators (a duplicate or a split, never the host's).</summary>
internal sealed class MpiBackend : GroupBackend
{
    /// <summary>Takes over <paramref name="comm"/>. Caller holds <see cref="MpiRuntime.CallLock"/>.</summary>
    internal MpiBackend(CommHandle comm) : this(comm, ShimCalls.RankAndSize(comm)) { }

    private MpiBackend(CommHandle comm, (int Rank, int Size) place)
        : base(place.Rank, place.Size, comm, new HeaderExchange(place.Size)) { }

    private PeerChannels? peers;

    internal override PeerChannels Peers => peers ??= new PeerChannels(Size);

    internal override GroupBackend Split(int color, int key) => new MpiBackend(ShimCalls.Split(Comm, color, key));

    /// <summary>Releases this group's hold: the communicator is freed once no queued or running call holds it.</summary>
    public override void Dispose() => Comm.Dispose();
}

/// <summary>The world of one process that no launcher started: rank 0 of 1, no MPI.</summary>
internal sealed class SingletonBackend : GroupBackend
{
    internal static readonly SingletonBackend Instance = new();

    private SingletonBackend() : base(0, 1, comm: null, header: null) { }

    internal override PeerChannels Peers => throw new InvalidOperationException("the singleton group has no peers");

    internal override GroupBackend Split(int color, int key) => this;

    public override void Dispose() { }
}
