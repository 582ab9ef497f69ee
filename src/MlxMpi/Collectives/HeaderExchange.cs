using MlxMpi.Interop;

namespace MlxMpi.Collectives;

/// <summary>
/// One group's header phase: its slots (allocated once per group, pinned, so the hot path allocates nothing),
/// the one MPI_Allgather that swaps them, and the verdict every rank reaches alike from what it received.
/// </summary>
internal sealed unsafe class HeaderExchange
{
    private readonly byte[] slots;
    private readonly int size;

    internal HeaderExchange(int size)
    {
        this.size = size;
        // Pinned for the group's lifetime: the shim writes into it without a fixed block on every call.
        slots = GC.AllocateUninitializedArray<byte>((size + 1) * HeaderSlot.Size, pinned: true);
    }

    /// <summary>This rank's outgoing slot.</summary>
    internal byte* Outgoing => (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref slots[0]);

    /// <summary>The slot rank <paramref name="rank"/> sent, valid after <see cref="Swap"/>.</summary>
    internal byte* Received(int rank) => Outgoing + (rank + 1) * HeaderSlot.Size;

    /// <summary>The header collective itself. Caller holds <see cref="MpiRuntime.CallLock"/>.</summary>
    internal void Swap(CommHandle comm) =>
        NativeStatus.Check(NativeMethods.mlxmpi_allgather(comm.Pointer, Outgoing, Received(0), HeaderSlot.Size, (int)mlxmpi_dtype.MLXMPI_DTYPE_UINT8));

    /// <summary>
    /// Throws on every rank unless all ranks described the same call and none failed locally. A rank that failed
    /// throws its own exception (<paramref name="localFailure"/>); the others throw a CollectiveMismatchException
    /// naming it. The messages are built only from the exchanged slots, so they are the same on every rank.
    /// </summary>
    internal void RequireAgreement(CollectiveOp op, long sequence, Exception? localFailure)
    {
        List<int>? failed = null;
        var first = Received(0);
        for (var rank = 0; rank < size; rank++)
        {
            var slot = Received(rank);
            if (HeaderSlot.IsWellFormed(slot) && HeaderSlot.Failed(slot))
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
        for (var rank = 1; rank < size; rank++)
        {
            if (!HeaderSlot.SameCall(first, Received(rank), rowsMayDiffer))
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

    /// <summary>Copies every rank's inline payload, in rank order, to <paramref name="destination"/>.</summary>
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
    /// whose size the header revealed): returns the ranks that failed, the same list on every rank.
    /// </summary>
    internal List<int>? AgreeOnLocalSuccess(CommHandle comm, bool succeeded)
    {
        *Outgoing = succeeded ? (byte)1 : (byte)0;
        NativeStatus.Check(NativeMethods.mlxmpi_allgather(comm.Pointer, Outgoing, Received(0), 1, (int)mlxmpi_dtype.MLXMPI_DTYPE_UINT8));
        List<int>? failed = null;
        for (var rank = 0; rank < size; rank++)
        {
            if (Received(0)[rank] == 0)
                (failed ??= []).Add(rank);
        }
        return failed;
    }
}
