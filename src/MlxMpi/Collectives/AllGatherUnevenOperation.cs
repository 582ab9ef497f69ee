using MlxMpi.Diagnostics;
using MlxMpi.Interop;

namespace MlxMpi.Collectives;

/// <summary>
/// Beyond MLX, as Horovod's allgather: dimension 0 may differ between ranks. The header phase tells every rank
/// every rank's row count (and carries small payloads inline); the data then moves in one MPI_Allgatherv.
/// </summary>
internal static unsafe class AllGatherUnevenOperation
{
    internal static MlxArray Run(MlxArray x, Group group, Stream? stream)
    {
        group.ThrowIfDisposed();
        if (group.Size == 1)
            return GatherInput.Validate(x, stream) is { } failure ? throw failure : x.Ndim == 0 ? x.Reshape(1) : x;
        return CollectiveQueue.Run((x, group, stream), static (s, announce) => OnDeviceOf(s.x, Gather(s.x, s.group, s.stream, announce)));
    }

    /// <summary>
    /// The collective; runs in <see cref="CollectiveQueue"/> order. Unlike AllGather, the result's size is known
    /// only after the header phase, so when a data phase follows, allocating it is agreed on in a one-byte round
    /// first: a rank that cannot allocate makes every rank throw instead of leaving them in MPI_Allgatherv.
    /// </summary>
    private static MlxArray Gather(MlxArray? x, Group group, Stream? stream, Exception? announce)
    {
        const CollectiveOp op = CollectiveOp.AllGatherUneven;
        lock (MpiRuntime.CallLock)
        {
            var header = group.Header;
            var seq = group.NextSequence();
            using var recording = FlightRecorder.Begin(group, op, seq, x);
            MlxArray? packed = null, result = null, staged = null;
            var failure = announce ?? GatherInput.Validate(x, stream);
            if (failure is null)
            {
                try
                {
                    // GPU memory is gathered through the host here (MPI_Allgatherv has no device path in the shim);
                    // the result goes back to the input's device afterwards.
                    if (x!.Device.Type != DeviceType.Cpu)
                        x = staged = x.ToHost();
                    // A 0-d input counts as one row.
                    ReadOnlySpan<int> shape = x!.Ndim == 0 ? [1] : x.ShapeArray;
                    var inlinePayload = header.WriteCall(op, seq, x.Dtype, shape, x.NBytes);
                    if (inlinePayload is not null)
                        x.CopyLogicalBytesTo(inlinePayload);
                    else if (!x.IsContiguous)
                        packed = PackedCopy.Of(x);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            }
            if (failure is not null)
                header.WriteFailure(op, seq, failure.Message);

            try
            {
                header.Swap(group.Comm);
                header.RequireAgreement(op, seq, failure);

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
                if (header.AgreeOnLocalSuccess(group.Comm, allocationFailure is null) is { } failed)
                {
                    if (allocationFailure is not null)
                        throw allocationFailure;
                    throw new CollectiveMismatchException($"AllGatherUneven (collective #{seq} on a group of {group.Size} ranks) could not run: " +
                                                          $"{MismatchMessage.RankList(failed)} could not allocate the result {ShapeMath.Format(resultShape)}", failed);
                }
                MoveData(header, group, packed ?? x!, result!);
                return result!;
            }
            catch
            {
                FlightRecorder.MarkFailed();
                result?.Dispose();
                throw;
            }
            finally
            {
                packed?.Dispose();
                staged?.Dispose();
            }
        }
    }

    /// <summary>Moves a result gathered through the host back to the device of the caller's input.</summary>
    private static MlxArray OnDeviceOf(MlxArray? input, MlxArray hostResult)
    {
        if (input is null || input.Device.Type == DeviceType.Cpu)
            return hostResult;
        using (hostResult)
            return hostResult.ToDevice(input.Device);
    }

    private static void MoveData(HeaderExchange header, Group group, MlxArray send, MlxArray result)
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

        using var sendLease = send.AcquireData();
        using var resultLease = result.AcquireData();
        fixed (long* countsPointer = counts)
        fixed (long* displacementsPointer = displacements)
        {
            NativeStatus.Check(NativeMethods.mlxmpi_allgatherv(group.Comm.Pointer, send.DataPointer, counts[group.Rank],
                                                               result.DataPointer, countsPointer, displacementsPointer, (int)send.Dtype));
        }
    }
}
