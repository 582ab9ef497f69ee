namespace MlxMpi.Collectives;

/// <summary>
/// A group's point-to-point state: how many messages this rank sent to and received from each peer (the numbers
/// travel in the messages, so a receive paired with the wrong send is caught), and the pinned buffers the
/// descriptions are written to and read from. Used under <see cref="MpiRuntime.CallLock"/>.
/// </summary>
internal sealed unsafe class PeerChannels
{
    private readonly long[] sent, received;
    private readonly byte[] outgoing, incoming;

    internal PeerChannels(int size)
    {
        sent = new long[size];
        received = new long[size];
        // Room for the longest description: 1024 dimensions, or a failure message.
        var capacity = Math.Max(HeaderSlot.DescriptionBytes(HeaderSlot.MaxNdim), HeaderSlot.MaxFailureBytes);
        outgoing = GC.AllocateArray<byte>(capacity, pinned: true);
        incoming = GC.AllocateArray<byte>(capacity, pinned: true);
    }

    internal long NextSent(int peer) => ++sent[peer];

    internal long NextReceived(int peer) => ++received[peer];

    internal byte* Outgoing => (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref outgoing[0]);

    internal byte* Incoming => (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref incoming[0]);

    internal int IncomingCapacity => incoming.Length;
}
