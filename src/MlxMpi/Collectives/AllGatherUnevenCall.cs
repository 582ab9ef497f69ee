using System.Runtime.CompilerServices;
using MlxMpi.Interop;

namespace MlxMpi.Collectives;

/// <summary>
/// Beyond MLX, as Horovod's allgather: dimension 0 may differ between ranks. The header tells every rank every rank's
/// row count (and carries small payloads); the data then moves in one MPI_Allgatherv. GPU memory goes through the host
/// (MPI_Allgatherv has no device path in the shim); the entry point moves the result back.
/// </summary>
internal unsafe struct AllGatherUnevenCall : ICollectiveCall<MlxArray>
{
    private MlxArray? x;
    private readonly Stream? stream;
    private MlxArray? staged, result;
    private InputPayload input;

    internal AllGatherUnevenCall(MlxArray? x, Stream? stream)
    {
        this.x = x;
        this.stream = stream;
    }

    public readonly CollectiveOp Op => CollectiveOp.AllGatherUneven;

    public readonly CallInput Input { [MethodImpl(HotPath.Inlined)] get => CallInput.Of(x); }

    public Exception? Prepare(Group group, HeaderExchange header, long sequence)
    {
        if (CallChecks.Input(x, stream) is { } invalid)
            return invalid;
        try
        {
            if (x!.Device.Type != DeviceType.Cpu)
                x = staged = x.ToHost();
            if (input.Hold(x) is { } gone)
                return gone;
            // A 0-d input counts as one row.
            ReadOnlySpan<int> shape = x.Ndim == 0 ? [1] : x.ShapeArray;
            return input.Describe(header, Op, sequence, x, shape);
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>
    /// Unlike AllGather, the result's size is known only after the header phase, so when a data phase follows,
    /// allocating it is agreed on in a one-byte round first: a rank that cannot allocate makes every rank throw
    /// instead of leaving them in MPI_Allgatherv.
    /// </summary>
    public MlxArray Complete(Group group, HeaderExchange header)
    {
        var first = header.Received(0);
        var resultShape = HeaderSlot.ShapeOf(first);
        long totalRows = 0;
        for (var rank = 0; rank < group.Size; rank++)
            totalRows += HeaderSlot.RowsOf(header.Received(rank));
        // Every rank computes the same total, so every rank throws the same error here.
        if (totalRows > int.MaxValue)
            throw new ArgumentException($"AllGatherUneven: the result's dimension 0 would be {totalRows}, more than {int.MaxValue}");
        resultShape[0] = (int)totalRows;
        var dtype = HeaderSlot.DtypeOf(first);

        if (header.AllInline())
        {
            result = MlxArray.Allocate(resultShape, dtype);
            using var lease = result.AcquireData();
            header.CopyInlinePayloads(result.DataPointer);
            return result;
        }

        Exception? allocationFailure = null;
        try
        {
            result = MlxArray.Allocate(resultShape, dtype);
        }
        catch (Exception e)
        {
            allocationFailure = e;
        }
        if (header.AgreeOnLocalSuccess(group.Backend.Comm, allocationFailure is null) is { } failed)
        {
            if (allocationFailure is not null)
                throw allocationFailure;
            throw new CollectiveMismatchException($"AllGatherUneven (collective #{HeaderSlot.SequenceOf(first)} on a group of {group.Size} ranks) " +
                                                  $"could not run: {MismatchMessage.RankList(failed)} could not allocate the result " +
                                                  $"{ShapeMath.Format(resultShape)}", failed);
        }
        MoveData(header, group, result!);
        return result!;
    }

    public void Release(bool succeeded)
    {
        input.Dispose();
        staged?.Dispose();
        if (!succeeded)
            result?.Dispose();
    }

    private readonly void MoveData(HeaderExchange header, Group group, MlxArray destination)
    {
        var rowElements = 1L;
        var shape = HeaderSlot.ShapeOf(header.Received(0));
        for (var d = 1; d < shape.Length; d++)
            rowElements *= shape[d];

        var counts = new long[group.Size];
        var displacements = new long[group.Size];
        long offset = 0;
        for (var rank = 0; rank < group.Size; rank++)
        {
            counts[rank] = HeaderSlot.RowsOf(header.Received(rank)) * rowElements;
            displacements[rank] = offset;
            offset += counts[rank];
        }

        using var resultLease = destination.AcquireData();
        fixed (long* countsPointer = counts)
        fixed (long* displacementsPointer = displacements)
        {
            ShimCalls.AllGatherV(group.Backend.Comm, input.Pointer, counts[group.Rank], destination.DataPointer,
                                 countsPointer, displacementsPointer, (int)HeaderSlot.DtypeOf(header.Received(0)));
        }
    }
}
