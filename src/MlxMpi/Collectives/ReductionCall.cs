using System.Runtime.CompilerServices;
using MlxMpi.Interop;

namespace MlxMpi.Collectives;

/// <summary>
/// MLX's all_sum, all_max, all_min and sum_scatter as one call on the skeleton. Payloads that fit in the header slot
/// are reduced locally by every rank from the slots it received, in rank order, with the same MPI operations
/// (MPI_Reduce_local), so small reductions cost one collective; larger ones go to MPI_Allreduce or
/// MPI_Reduce_scatter_block, straight from the input into the result (a new array, or the caller's output).
/// </summary>
internal unsafe struct ReductionCall : ICollectiveCall<MlxArray>
{
    private readonly MlxArray? x;
    private readonly MlxArray? output; // the ...Into forms' destination; null: allocate
    private readonly Stream? stream;
    private readonly ReduceOp reduce;
    private readonly bool scatter;
    private MlxArray? result;
    private InputPayload input;
    private CallBuffer destination;

    [MethodImpl(HotPath.Optimized)]
    private ReductionCall(CollectiveOp op, ReduceOp reduce, bool scatter, MlxArray? x, MlxArray? output, Stream? stream)
    {
        Op = op;
        this.reduce = reduce;
        this.scatter = scatter;
        this.x = x;
        this.output = output;
        this.stream = stream;
    }

    [MethodImpl(HotPath.Optimized)]
    internal static ReductionCall AllReduce(CollectiveOp op, MlxArray? x, MlxArray? output, Stream? stream) =>
        new(op, op switch { CollectiveOp.AllMax => ReduceOp.Max, CollectiveOp.AllMin => ReduceOp.Min, _ => ReduceOp.Sum },
            scatter: false, x, output, stream);

    [MethodImpl(HotPath.Optimized)]
    internal static ReductionCall SumScatter(MlxArray? x, MlxArray? output, Stream? stream) =>
        new(CollectiveOp.SumScatter, ReduceOp.Sum, scatter: true, x, output, stream);

    public CollectiveOp Op { [MethodImpl(HotPath.Inlined)] get; }

    public readonly CallInput Input { [MethodImpl(HotPath.Inlined)] get => CallInput.Of(x); }

    [MethodImpl(HotPath.Optimized)]
    public Exception? Prepare(Group group, HeaderExchange header, long sequence)
    {
        if ((CallChecks.Input(x, stream) ?? (scatter ? ScatterShapeError(x!, group.Size) : null)) is { } invalid)
            return invalid;
        if (input.Hold(x!) is { } gone)
            return gone;
        try
        {
            var ndim = x!.Ndim;
            Span<int> shape = ndim <= 16 ? stackalloc int[ndim] : new int[ndim];
            x.ShapeArray.CopyTo(shape);
            if (scatter)
                shape[0] /= group.Size;
            if (output is not null)
            {
                if (OutputError(x, output, shape, group.Size) is { } badOutput)
                    return badOutput;
                result = output;
            }
            else
            {
                result = MlxArray.AllocateWithOwnedShape(shape.ToArray(), x.Dtype, x.Device);
            }
            return input.HoldOutputAndDescribe(result!, out destination, header, Op, sequence, x!, x!.ShapeArray);
        }
        catch (Exception e)
        {
            return e;
        }
    }

    [MethodImpl(HotPath.Optimized)]
    public readonly MlxArray Complete(Group group, HeaderExchange header)
    {
        var elements = scatter ? input.Count / group.Size : input.Count;
        var type = (int)input.Dtype;
        if (input.Inline is not null)
        {
            // Every rank's payload arrived in the header: combine them here, rank 0 first, as every rank does.
            var elementSize = DtypeInfo.SizeOf(input.Dtype);
            var offset = scatter ? group.Rank * elements * elementSize : 0;
            var bytes = elements * elementSize;
            Buffer.MemoryCopy(header.InlinePayload(0) + offset, destination.Pointer, bytes, bytes);
            for (var rank = 1; rank < group.Size; rank++)
                InlineReduction.Combine(input.Dtype, reduce, header.InlinePayload(rank) + offset, destination.Pointer, elements);
            return result!;
        }
        var comm = group.Backend.Comm;
        var onHost = input.Device.Type == DeviceType.Cpu;
        var handle = stream?.NativeHandle ?? 0;
        if (scatter && onHost)
            ShimCalls.ReduceScatter(comm, input.Pointer, destination.Pointer, elements, type, reduce);
        else if (scatter)
            ShimCalls.DeviceReduceScatter(comm, input.Device, input.Pointer, destination.Pointer, elements, type, reduce, handle);
        else if (onHost)
            ShimCalls.AllReduce(comm, input.Pointer, destination.Pointer, elements, type, reduce);
        else
            ShimCalls.DeviceAllReduce(comm, input.Device, input.Pointer, destination.Pointer, elements, type, reduce, handle);
        return result!;
    }

    [MethodImpl(HotPath.Optimized)]
    public void Release(bool succeeded)
    {
        input.Dispose();
        destination.Dispose();
        if (!succeeded && output is null)
            result?.Dispose();
    }

    [MethodImpl(HotPath.Optimized)]
    private static Exception? ScatterShapeError(MlxArray x, int groupSize)
    {
        if (x.Ndim == 0)
            return new ArgumentException("SumScatter splits axis 0 across the group, so x needs at least one dimension; it is 0-d", nameof(x));
        if (x.ShapeArray[0] % groupSize != 0)
            return new ArgumentException($"SumScatter: invalid shape {ShapeMath.Format(x.ShapeArray)} for a group of size {groupSize}: " +
                                         "dimension 0 (axis 0) must be divisible by the group size", nameof(x));
        return null;
    }

    [MethodImpl(HotPath.Optimized)]
    private readonly Exception? OutputError(MlxArray input, MlxArray destination, ReadOnlySpan<int> shape, int groupSize)
    {
        var inPlace = ReferenceEquals(destination, input);
        if (inPlace && (scatter || input.Device.Type != DeviceType.Cpu))
            return new ArgumentException(scatter
                ? "SumScatter cannot write into its own input: pass a separate output array"
                : "in-place reductions of GPU arrays are not supported: pass a separate output array", "output");
        return CallChecks.Output(input, destination, shape, scatter ? CallChecks.ShapeRule.Scattered : CallChecks.ShapeRule.SameAsInput,
                                 groupSize, mayBeInput: !scatter);
    }
}
