using MlxMpi.Diagnostics;
using MlxMpi.Interop;
using System.Runtime.CompilerServices;

namespace MlxMpi.Collectives;

/// <summary>
/// MLX's all_gather over one group: a header phase that checks every rank's call (and carries small payloads),
/// then, for payloads too large for the header slot, one MPI_Allgather straight into the result.
/// </summary>
internal static unsafe class AllGatherOperation
{
    /// <summary>Gathers into a new array (or returns x itself for a group of one, as MLX does).</summary>
    [MethodImpl(HotPath.Optimized)]
    internal static MlxArray Run(MlxArray x, Group group, Stream? stream)
    {
        group.ThrowIfDisposed();
        if (group.Size == 1)
            return GatherInput.Validate(x, stream) is { } failure ? throw failure : x;
        return CollectiveQueue.Run((x, group, stream),
            [MethodImpl(HotPath.Optimized)] static (s, announce) => Gather(s.x, null, s.group, s.stream, CollectiveOp.AllGather, announce)!);
    }

    /// <summary>Gathers into the caller's <paramref name="output"/>, which must have the result's shape and dtype.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal static void RunInto(MlxArray x, MlxArray output, Group group, Stream? stream)
    {
        group.ThrowIfDisposed();
        if (group.Size == 1)
        {
            if ((GatherInput.Validate(x, stream) ?? ValidateOutput(x, output, 1)) is { } failure)
                throw failure;
            using var lease = output.AcquireData();
            x.CopyLogicalBytesTo(output.DataPointer);
            return;
        }
        CollectiveQueue.Run((x, output, group, stream),
            [MethodImpl(HotPath.Optimized)] static (s, announce) => Gather(s.x, s.output, s.group, s.stream, CollectiveOp.AllGatherInto, announce));
    }

    /// <summary>Queues a gather behind every collective this rank started before, and returns at once.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal static Task<MlxArray> RunAsync(MlxArray? x, Group group, Stream? stream, CancellationToken cancellationToken)
    {
        group.ThrowIfDisposed();
        if (group.Size == 1)
        {
            if (cancellationToken.IsCancellationRequested)
                return Task.FromCanceled<MlxArray>(cancellationToken);
            // A view, not x itself: the caller may dispose x as soon as the call returns.
            return GatherInput.Validate(x, stream) is { } failure ? Task.FromException<MlxArray>(failure) : Task.FromResult(x!.ShareView());
        }
        var held = GatherInput.HoldForLater(x);
        return CollectiveQueue.Enqueue((input: held ?? x, held, group, stream), [MethodImpl(HotPath.Optimized)] static (s, announce) =>
        {
            try
            {
                return Gather(s.input, null, s.group, s.stream, CollectiveOp.AllGather, announce)!;
            }
            finally
            {
                s.held?.Dispose();
            }
        }, cancellationToken);
    }

    /// <summary>
    /// The collective itself; runs in <see cref="CollectiveQueue"/> order. <paramref name="announce"/>, when set,
    /// is a failure to report instead of taking part (a cancelled async gather). Returns the result, or for
    /// AllGatherInto the output.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    private static MlxArray? Gather(MlxArray? x, MlxArray? output, Group group, Stream? stream, CollectiveOp op, Exception? announce)
    {
        lock (MpiRuntime.CallLock)
        {
            var header = group.Header;
            var seq = group.NextSequence();
            using var recording = FlightRecorder.Begin(group, op, seq, x);
            // AllGatherInto writes into the caller's output (which may be null: an error to report); AllGather allocates.
            var ownsResult = op == CollectiveOp.AllGather;
            MlxArray? result = null, packed = null;
            byte* inlinePayload = null;
            var failure = announce ?? GatherInput.Validate(x, stream) ?? ValidateRows(x!, group.Size)
                          ?? (ownsResult ? null : ValidateOutput(x!, output, group.Size));
            if (failure is null)
            {
                try
                {
                    // Everything that can fail locally happens before the header phase, so that a failure is
                    // announced in the header instead of leaving the other ranks waiting in the data phase.
                    result = output ?? MlxArray.AllocateWithOwnedShape(ResultShape(x!.ShapeArray, group.Size), x.Dtype, x.Device);
                    inlinePayload = header.WriteCall(op, seq, x!.Dtype, x.ShapeArray, x.NBytes, x.Device.Type);
                    if (inlinePayload is not null)
                        x.CopyLogicalBytesTo(inlinePayload);
                    else if (!x.IsContiguous)
                        packed = PackedCopy.Of(x);
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
                header.WriteFailure(op, seq, failure.Message);

            try
            {
                header.Swap(group.Comm);
                header.RequireAgreement(op, seq, failure);
                // The leases keep the caller's buffers alive for the native calls even if the caller drops or disposes
                // them meanwhile. A result this call allocated is nobody else's yet, so it needs none.
                var destination = result!;
                using var resultLease = ownsResult ? default : destination.AcquireData();
                if (inlinePayload is not null)
                {
                    header.CopyInlinePayloads(destination.DataPointer);
                }
                else
                {
                    var send = packed ?? x!;
                    using var sendLease = send.AcquireData();
                    if (send.Device.Type == DeviceType.Cpu)
                        NativeStatus.Check(NativeMethods.mlxmpi_allgather(group.Comm.Pointer, send.DataPointer,
                                                                          destination.DataPointer, send.Size, (int)send.Dtype));
                    else
                        NativeStatus.Check(NativeMethods.mlxmpi_allgather_device(group.Comm.Pointer, DeviceRuntime.KindOf(send.Device), send.Device.Index,
                                                                                 send.DataPointer, destination.DataPointer, send.Size, (int)send.Dtype,
                                                                                 (void*)(stream?.NativeHandle ?? 0)));
                }
                return result;
            }
            catch
            {
                FlightRecorder.MarkFailed();
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

    [MethodImpl(HotPath.Optimized)]
    private static Exception? ValidateRows(MlxArray x, int groupSize)
    {
        var rows = x.Ndim == 0 ? 1L : x.ShapeArray[0];
        return rows * groupSize > int.MaxValue
            ? new ArgumentException($"the result's dimension 0 would be {rows} x {groupSize} = {rows * groupSize}, more than {int.MaxValue}", nameof(x))
            : null;
    }

    /// <summary>Returns what is wrong with an AllGatherInto output: it must be exactly the result AllGather would make.</summary>
    [MethodImpl(HotPath.Optimized)]
    private static Exception? ValidateOutput(MlxArray x, MlxArray? output, int groupSize)
    {
        if (output is null)
            return new ArgumentNullException(nameof(output), "the output array is null");
        if (output.IsDisposed)
            return new ObjectDisposedException(null, "the output array is disposed");
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
    [MethodImpl(HotPath.Optimized)]
    private static bool IsResultShape(int[] candidate, int[] inputShape, int groupSize)
    {
        if (inputShape.Length == 0)
            return candidate is [var n] && n == groupSize;
        if (candidate.Length != inputShape.Length || candidate[0] != (long)inputShape[0] * groupSize)
            return false;
        return candidate.AsSpan(1).SequenceEqual(inputShape.AsSpan(1));
    }

    [MethodImpl(HotPath.Optimized)]
    private static int[] ResultShape(int[] shape, int groupSize)
    {
        if (shape.Length == 0)
            return [groupSize];
        var result = (int[])shape.Clone();
        result[0] *= groupSize;
        return result;
    }
}
