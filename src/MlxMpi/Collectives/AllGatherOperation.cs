using MlxMpi.Interop;

namespace MlxMpi.Collectives;

/// <summary>
/// MLX's all_gather over one group: a header phase that checks every rank's call (and carries small payloads),
/// then, for payloads too large for the header slot, one MPI_Allgather straight into the result.
/// </summary>
internal static unsafe class AllGatherOperation
{
    /// <summary>Gathers into a new array (or returns x itself for a group of one, as MLX does).</summary>
    internal static MlxArray Run(MlxArray x, Group group, Stream? stream)
    {
        group.ThrowIfDisposed();
        if (group.Size == 1)
        {
            // There is nobody to tell about a bad input, so it throws here and now.
            var failure = ValidateInput(x, stream, 1);
            return failure is null ? x : throw failure;
        }
        return Gather(x, null, group, stream, CollectiveOp.AllGather);
    }

    /// <summary>Gathers into the caller's <paramref name="output"/>, which must have the result's shape and dtype.</summary>
    internal static void RunInto(MlxArray x, MlxArray output, Group group, Stream? stream)
    {
        group.ThrowIfDisposed();
        if (group.Size == 1)
        {
            var failure = ValidateInput(x, stream, 1) ?? ValidateOutput(x, output, 1);
            if (failure is not null)
                throw failure;
            using var lease = output!.AcquireData();
            x.CopyLogicalBytesTo(output.DataPointer);
            return;
        }
        Gather(x, output, group, stream, CollectiveOp.AllGatherInto);
    }

    private static MlxArray Gather(MlxArray x, MlxArray? output, Group group, Stream? stream, CollectiveOp op)
    {
        lock (MpiRuntime.CallLock)
        {
            var header = group.Header;
            var seq = group.NextSequence();
            MlxArray? result = null, packed = null;
            // AllGatherInto writes into the caller's output (which may be null: an error to report); AllGather allocates.
            var ownsResult = op == CollectiveOp.AllGather;
            byte* inlinePayload = null;
            var failure = ValidateInput(x, stream, group.Size) ?? (ownsResult ? null : ValidateOutput(x, output, group.Size));
            if (failure is null)
            {
                try
                {
                    // Everything that can fail locally happens before the header phase, so that a failure is
                    // announced in the header instead of leaving the other ranks waiting in the data phase.
                    result = output ?? MlxArray.Allocate(ResultShape(x.ShapeArray, group.Size), x.Dtype);
                    inlinePayload = HeaderSlot.WriteCall(header.Outgoing, op, seq, x.Dtype, x.ShapeArray, x.NBytes);
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
                    if (ownsResult)
                        result?.Dispose();
                    packed?.Dispose();
                    result = packed = null;
                }
            }
            if (failure is not null)
                HeaderSlot.WriteFailure(header.Outgoing, op, seq, failure.Message);

            try
            {
                header.Swap(group.Comm);
                header.RequireAgreement(op, seq, failure);
                // The leases keep both buffers alive for the native calls even if the caller drops or disposes them.
                using var resultLease = result!.AcquireData();
                if (inlinePayload is not null)
                {
                    CopyInlinePayloads(header, group.Size, x.NBytes, result.DataPointer);
                }
                else
                {
                    var send = packed ?? x;
                    using var sendLease = send.AcquireData();
                    NativeStatus.Check(NativeMethods.mlxmpi_allgather(group.Comm.Pointer, send.DataPointer,
                                                                      result.DataPointer, x.Size, (int)x.Dtype));
                }
                return result;
            }
            catch
            {
                if (ownsResult)
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
            return new ArgumentNullException(nameof(x), "the input array x is null");
        if (x.IsDisposed)
            return new ObjectDisposedException(nameof(MlxArray), "the input array x is disposed");
        if (stream is not null && stream.Device != x.Device)
            return new ArgumentException($"the stream is on {stream.Device} but x is on {x.Device}", nameof(stream));
        if (x.Ndim > HeaderSlot.MaxNdim)
            return new ArgumentException($"AllGather supports up to {HeaderSlot.MaxNdim} dimensions; x has {x.Ndim}", nameof(x));
        var rows = x.Ndim == 0 ? 1L : x.ShapeArray[0];
        if (rows * groupSize > int.MaxValue)
            return new ArgumentException($"the result's dimension 0 would be {rows} x {groupSize} = {rows * groupSize}, more than {int.MaxValue}", nameof(x));
        return null;
    }

    /// <summary>Returns what is wrong with an AllGatherInto output: it must be exactly the result AllGather would make.</summary>
    private static Exception? ValidateOutput(MlxArray x, MlxArray? output, int groupSize)
    {
        if (output is null)
            return new ArgumentNullException(nameof(output), "the output array is null");
        if (output.IsDisposed)
            return new ObjectDisposedException(nameof(MlxArray), "the output array is disposed");
        if (output.SharesMemoryWith(x))
            return new ArgumentException("the output array must not share memory with the input array", nameof(output));
        if (output.Dtype != x.Dtype || !IsResultShape(output.ShapeArray, x.ShapeArray, groupSize))
            return new ArgumentException($"the output must have shape {ShapeMath.Format(ResultShape(x.ShapeArray, groupSize))} and dtype {DtypeInfo.NameOf(x.Dtype)} " +
                                         $"(x's shape with dimension 0 times {groupSize}); it has shape {ShapeMath.Format(output.ShapeArray)} " +
                                         $"and dtype {DtypeInfo.NameOf(output.Dtype)}", nameof(output));
        if (!output.IsContiguous)
            return new ArgumentException("the output must be contiguous (row-major), not a strided view", nameof(output));
        if (output.Device != x.Device)
            return new ArgumentException($"the output is on {output.Device} but x is on {x.Device}", nameof(output));
        return null;
    }

    /// <summary>Compares without allocating: AllGatherInto is meant to allocate nothing in steady state.</summary>
    private static bool IsResultShape(int[] candidate, int[] inputShape, int groupSize)
    {
        if (inputShape.Length == 0)
            return candidate is [var n] && n == groupSize;
        if (candidate.Length != inputShape.Length || candidate[0] != (long)inputShape[0] * groupSize)
            return false;
        return candidate.AsSpan(1).SequenceEqual(inputShape.AsSpan(1));
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
