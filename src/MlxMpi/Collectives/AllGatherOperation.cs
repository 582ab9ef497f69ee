using MlxMpi.Interop;

namespace MlxMpi.Collectives;

/// <summary>
/// MLX's all_gather over one group: a header phase that checks every rank's call (and carries small payloads),
/// then, for payloads too large for the header slot, one MPI_Allgather straight into the result.
/// </summary>
internal static unsafe class AllGatherOperation
{
    internal static MlxArray Run(MlxArray x, Group group, Stream? stream)
    {
        group.ThrowIfDisposed();
        if (group.Size == 1)
        {
            // MLX returns the input itself for a group of one; there is nobody to tell about a bad input.
            var failure = ValidateInput(x, stream, 1);
            return failure is null ? x : throw failure;
        }

        lock (MpiRuntime.CallLock)
        {
            var header = group.Header;
            var seq = group.NextSequence();
            MlxArray? result = null, packed = null;
            byte* inlinePayload = null;
            var failure = ValidateInput(x, stream, group.Size);
            if (failure is null)
            {
                try
                {
                    // Everything that can fail locally happens before the header phase, so that a failure is
                    // announced in the header instead of leaving the other ranks waiting in the data phase.
                    result = MlxArray.Allocate(ResultShape(x.ShapeArray, group.Size), x.Dtype);
                    inlinePayload = HeaderSlot.WriteCall(header.Outgoing, CollectiveOp.AllGather, seq, x.Dtype, x.ShapeArray, x.NBytes);
                    if (inlinePayload is not null)
                        x.CopyLogicalBytesTo(inlinePayload);
                    else if (!x.IsContiguous)
                    {
                        packed = MlxArray.Allocate(x.ShapeArray, x.Dtype);
                        x.CopyLogicalBytesTo(packed.DataPointer);
                    }
                }
                catch (Exception e)
                {
                    failure = e;
                    result?.Dispose();
                    packed?.Dispose();
                    result = packed = null;
                }
            }
            if (failure is not null)
                HeaderSlot.WriteFailure(header.Outgoing, CollectiveOp.AllGather, seq, failure.Message);

            try
            {
                header.Swap(group.Comm);
                header.RequireAgreement(CollectiveOp.AllGather, seq, failure);
                if (inlinePayload is not null)
                    CopyInlinePayloads(header, group.Size, x.NBytes, result!.DataPointer);
                else
                {
                    // The lease keeps the input's memory alive for the call even if the caller drops or disposes x.
                    using var input = (packed ?? x).AcquireData();
                    NativeStatus.Check(NativeMethods.mlxmpi_allgather(group.Comm.Pointer, (packed ?? x).DataPointer,
                                                                      result!.DataPointer, x.Size, (int)x.Dtype));
                }
                return result;
            }
            catch
            {
                result?.Dispose();
                throw;
            }
            finally
            {
                packed?.Dispose();
            }
        }
    }

    /// <summary>Returns (not throws) what is wrong with this rank's input, so it can be announced to the others.</summary>
    private static Exception? ValidateInput(MlxArray? x, Stream? stream, int groupSize)
    {
        if (x is null)
            return new ArgumentNullException(nameof(x), "AllGather input x is null");
        if (x.IsDisposed)
            return new ObjectDisposedException(nameof(MlxArray), "AllGather input x is disposed");
        if (stream is not null && stream.Device != x.Device)
            return new ArgumentException($"the stream is on {stream.Device} but x is on {x.Device}", nameof(stream));
        if (x.Ndim > HeaderSlot.MaxNdim)
            return new ArgumentException($"AllGather supports up to {HeaderSlot.MaxNdim} dimensions; x has {x.Ndim}", nameof(x));
        var rows = x.Ndim == 0 ? 1L : x.ShapeArray[0];
        if (rows * groupSize > int.MaxValue)
            return new ArgumentException($"the result's dimension 0 would be {rows} x {groupSize} = {rows * groupSize}, more than {int.MaxValue}", nameof(x));
        return null;
    }

    private static int[] ResultShape(int[] shape, int groupSize)
    {
        if (shape.Length == 0)
            return [groupSize];
        var result = (int[])shape.Clone();
        result[0] *= groupSize;
        return result;
    }

    private static void CopyInlinePayloads(HeaderExchange header, int size, long blockBytes, byte* destination)
    {
        var offset = HeaderSlot.PayloadOffset(HeaderSlot.NdimOf(header.Received(0)));
        for (var rank = 0; rank < size; rank++)
            Buffer.MemoryCopy(header.Received(rank) + offset, destination + rank * blockBytes, blockBytes, blockBytes);
    }
}
