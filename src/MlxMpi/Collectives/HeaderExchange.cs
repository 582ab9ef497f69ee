using MlxMpi.Interop;
using System.Runtime.CompilerServices;

namespace MlxMpi.Collectives;

/// <summary>
/// One group's header phase: its slots (allocated once per group, pinned, so the hot path allocates nothing),
/// the one MPI_Allgather that swaps them, the second round for descriptions too long for a slot, and the verdict
/// every rank reaches alike from what it received.
/// </summary>
internal sealed unsafe class HeaderExchange
{
    private byte[] slots;
    private readonly int size;
    private SlotSizing sizing;
    private int slotBytes = HeaderSlot.Size; // this call's slot size, the same on every rank (SlotSizing)

    // The rare second round: this rank's whole description when it does not fit in its slot, and what every rank
    // sent in that round. Grown on demand; the common case never touches them.
    private byte[] extendedOutgoing = [];
    private int extendedOutgoingLength;
    private byte[] extendedReceived = [];
    private int extendedStride; // 0: the slots are the descriptions
    private byte[]? agreement;

    internal HeaderExchange(int size)
    {
        this.size = size;
        sizing = new SlotSizing(size);
        // Pinned for the group's lifetime: the shim writes into it without a fixed block on every call.
        slots = GC.AllocateUninitializedArray<byte>((size + 1) * HeaderSlot.Size, pinned: true);
    }

    /// <summary>This rank's outgoing slot.</summary>
    private byte* Outgoing => (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref slots[0]);

    private byte* SlotOf(int rank) => Outgoing + (rank + 1) * slotBytes;

    /// <summary>The slot size the next call on this group will use (tests check that every rank agrees on it).</summary>
    internal int NextSlotBytes => sizing.Bytes;

    /// <summary>
    /// Starts a call: takes the slot size every rank computed after the previous header phase, growing the pinned
    /// buffer when it is the largest yet (it never shrinks: the memory is (p + 1) x at most 1088 bytes).
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    internal void StartCall()
    {
        slotBytes = sizing.Bytes;
        if (slots.Length < (size + 1) * slotBytes)
            slots = GC.AllocateUninitializedArray<byte>((size + 1) * slotBytes, pinned: true);
    }

    /// <summary>The description rank <paramref name="rank"/> sent, valid after <see cref="Swap"/>.</summary>
    internal byte* Received(int rank) => extendedStride == 0 ? SlotOf(rank) : ExtendedReceivedBase() + rank * extendedStride;

    /// <summary>How many bytes each description in <see cref="Received"/> arrived in.</summary>
    internal int Capacity => extendedStride == 0 ? slotBytes : extendedStride;

    /// <summary>Whether rank <paramref name="rank"/>'s description is this protocol's and can be read safely.</summary>
    internal bool IsWellFormed(int rank) => HeaderSlot.IsWellFormed(Received(rank), Capacity);

    /// <summary>Describes this rank's call; returns where an inline payload goes, or null (see <see cref="HeaderSlot.WriteCall"/>).</summary>
    [MethodImpl(HotPath.Optimized)]
    internal byte* WriteCall(CollectiveOp op, long sequence, Dtype dtype, ReadOnlySpan<int> shape, long payloadBytes,
                             DeviceType deviceType = DeviceType.Cpu)
    {
        if (!HeaderSlot.IsExtendedCall(shape.Length))
        {
            extendedOutgoingLength = 0;
            return HeaderSlot.WriteCall(Outgoing, op, sequence, dtype, shape, payloadBytes, deviceType, SlotSizing.RoomFor(op, slotBytes));
        }
        var length = HeaderSlot.DescriptionBytes(shape.Length);
        fixed (byte* full = GrowOutgoing(length))
        {
            HeaderSlot.WriteCall(full, op, sequence, dtype, shape, payloadBytes, deviceType);
            Buffer.MemoryCopy(full, Outgoing, HeaderSlot.Size, HeaderSlot.Size);
        }
        extendedOutgoingLength = length;
        return null;
    }

    /// <summary>Describes a local failure of this rank's call, to be announced to the other ranks.</summary>
    internal void WriteFailure(CollectiveOp op, long sequence, string message)
    {
        fixed (byte* full = GrowOutgoing(HeaderSlot.MaxFailureBytes))
        {
            var length = HeaderSlot.WriteFailure(full, op, sequence, message);
            Buffer.MemoryCopy(full, Outgoing, HeaderSlot.Size, Math.Min(length, HeaderSlot.Size));
            extendedOutgoingLength = length > HeaderSlot.Size ? length : 0;
        }
    }

    private byte[] GrowOutgoing(int length)
    {
        if (extendedOutgoing.Length < length)
            extendedOutgoing = new byte[Math.Max(length, 2 * extendedOutgoing.Length)];
        return extendedOutgoing;
    }

    /// <summary>
    /// The header collective itself: one MPI_Allgather of the slots and, only when some rank's description did not
    /// fit in its slot, a second one of whole descriptions. Every rank learns from the first round alone whether
    /// and how large the second is. Caller holds <see cref="MpiRuntime.CallLock"/>.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    internal void Swap(CommHandle comm)
    {
        extendedStride = 0;
        ShimCalls.AllGather(comm, Outgoing, SlotOf(0), slotBytes, (int)mlxmpi_dtype.MLXMPI_DTYPE_UINT8);
        var longest = 0;
        for (var rank = 0; rank < size; rank++)
            longest = Math.Max(longest, HeaderSlot.ExtensionBytesOf(SlotOf(rank)));
        if (longest > 0)
            SwapWholeDescriptions((Math.Max(longest, slotBytes) + 7) & ~7, comm);
        sizing.Observe(LargestGatherNeed());
    }

    /// <summary>The most slot bytes any rank's host gather would have taken inline, from the descriptions received
    /// (identical on every rank, so the next slot size is too); 0 when no rank gathered on the host.</summary>
    [MethodImpl(HotPath.Optimized)]
    private long LargestGatherNeed()
    {
        long largest = 0;
        for (var rank = 0; rank < size; rank++)
        {
            if (!IsWellFormed(rank))
                continue;
            var description = Received(rank);
            if (HeaderSlot.Failed(description) || !SlotSizing.GrowsSlot(HeaderSlot.OpOf(description)) ||
                HeaderSlot.DeviceTypeOf(description) != DeviceType.Cpu || HeaderSlot.IsExtendedCall(HeaderSlot.NdimOf(description)))
                continue;
            largest = Math.Max(largest, HeaderSlot.InlineBytes(HeaderSlot.NdimOf(description), HeaderSlot.PayloadBytesOf(description)));
        }
        return largest;
    }

    private void SwapWholeDescriptions(int stride, CommHandle comm)
    {
        // Every rank sends its whole description padded to the stride: the long one, or its slot as it is.
        var send = new byte[stride];
        if (extendedOutgoingLength > 0)
            extendedOutgoing.AsSpan(0, extendedOutgoingLength).CopyTo(send);
        else
            new ReadOnlySpan<byte>(Outgoing, slotBytes).CopyTo(send);
        if (extendedReceived.Length < (long)stride * size)
            extendedReceived = GC.AllocateUninitializedArray<byte>(checked(stride * size), pinned: true);
        fixed (byte* source = send)
            ShimCalls.AllGather(comm, source, ExtendedReceivedBase(), stride, (int)mlxmpi_dtype.MLXMPI_DTYPE_UINT8);
        extendedStride = stride;
    }

    private byte* ExtendedReceivedBase() => (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref extendedReceived[0]);

    /// <summary>
    /// Throws on every rank unless all ranks described the same call and none failed locally. A rank that failed
    /// throws its own exception (<paramref name="localFailure"/>); the others throw a CollectiveMismatchException
    /// naming it. The messages are built only from the exchanged descriptions, so they are the same on every rank.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    internal void RequireAgreement(CollectiveOp op, long sequence, Exception? localFailure)
    {
        List<int>? failed = null;
        var allWellFormed = true;
        for (var rank = 0; rank < size; rank++)
        {
            if (!IsWellFormed(rank))
                allWellFormed = false;
            else if (HeaderSlot.Failed(Received(rank)))
                (failed ??= []).Add(rank);
        }
        if (failed is not null)
        {
            if (localFailure is not null)
                throw localFailure;
            throw new CollectiveMismatchException(MismatchMessage.ForFailures(this, size, op, sequence, failed), failed);
        }

        List<int>? differing = null;
        var rowsMayDiffer = op == CollectiveOp.AllGatherUneven;
        var first = Received(0);
        var firstReadable = allWellFormed || IsWellFormed(0);
        for (var rank = 1; rank < size; rank++)
        {
            var readable = firstReadable && (allWellFormed || IsWellFormed(rank));
            if (!readable || !HeaderSlot.SameCall(first, Received(rank), rowsMayDiffer))
                (differing ??= []).Add(rank);
        }
        if (differing is not null)
            throw new CollectiveMismatchException(MismatchMessage.ForDisagreement(this, size), differing);
    }

    /// <summary>True when every rank's payload travelled inline in its slot.</summary>
    internal bool AllInline()
    {
        for (var rank = 0; rank < size; rank++)
        {
            if (!HeaderSlot.IsInline(Received(rank)))
                return false;
        }
        return true;
    }

    /// <summary>Where rank <paramref name="rank"/>'s inline payload is, valid after <see cref="Swap"/>.</summary>
    internal byte* InlinePayload(int rank)
    {
        var slot = Received(rank);
        return slot + HeaderSlot.PayloadOffset(HeaderSlot.NdimOf(slot));
    }

    /// <summary>Copies every rank's inline payload, in rank order, to <paramref name="destination"/>.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal void CopyInlinePayloads(byte* destination)
    {
        for (var rank = 0; rank < size; rank++)
        {
            var slot = Received(rank);
            var bytes = HeaderSlot.PayloadBytesOf(slot);
            Buffer.MemoryCopy(slot + HeaderSlot.PayloadOffset(HeaderSlot.NdimOf(slot)), destination, bytes, bytes);
            destination += bytes;
        }
    }

    /// <summary>
    /// A second, one-byte round for work that can fail locally only after the header phase (allocating a result
    /// whose size the header revealed): returns the ranks that failed, the same list on every rank. Uses its own
    /// buffer, so the descriptions stay readable afterwards.
    /// </summary>
    internal List<int>? AgreeOnLocalSuccess(CommHandle comm, bool succeeded)
    {
        agreement ??= GC.AllocateUninitializedArray<byte>(size + 1, pinned: true);
        var flags = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref agreement[0]);
        flags[size] = succeeded ? (byte)1 : (byte)0;
        ShimCalls.AllGather(comm, flags + size, flags, 1, (int)mlxmpi_dtype.MLXMPI_DTYPE_UINT8);
        List<int>? failed = null;
        for (var rank = 0; rank < size; rank++)
        {
            if (flags[rank] == 0)
                (failed ??= []).Add(rank);
        }
        return failed;
    }
}
