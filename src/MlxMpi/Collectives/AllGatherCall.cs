using System.Runtime.CompilerServices;
using MlxMpi.Interop;

namespace MlxMpi.Collectives;

/// <summary>
/// MLX's all_gather as a call on the skeleton: the header carries payloads up to the slot's inline room, larger ones
/// move in one MPI_Allgather straight into the result (a new array, or the caller's output for AllGatherInto).
/// </summary>
internal unsafe struct AllGatherCall : ICollectiveCall<MlxArray>
{
    private readonly MlxArray? x;
    private readonly MlxArray? output; // AllGatherInto's destination; null for AllGather, which allocates
    private readonly Stream? stream;
    private MlxArray? result;
    private InputPayload input;
    private CallBuffer destination;

    [MethodImpl(HotPath.Optimized)]
    internal AllGatherCall(MlxArray? x, MlxArray? output, Stream? stream, bool into)
    {
        this.x = x;
        this.output = output;
        this.stream = stream;
        Op = into ? CollectiveOp.AllGatherInto : CollectiveOp.AllGather;
    }

    public CollectiveOp Op { [MethodImpl(HotPath.Inlined)] get; }

    public readonly CallInput Input { [MethodImpl(HotPath.Inlined)] get => CallInput.Of(x); }

    [MethodImpl(HotPath.Optimized)]
    public Exception? Prepare(Group group, HeaderExchange header, long sequence)
    {
        if ((CallChecks.Input(x, stream) ?? RowsFit(x!, group.Size)) is { } invalid)
            return invalid;
        var into = Op == CollectiveOp.AllGatherInto;
        if (into && CheckOutput(x!, output, group.Size) is { } badOutput)
            return badOutput;
        if (input.Hold(x!) is { } gone)
            return gone;
        try
        {
            result = into ? output : MlxArray.AllocateWithOwnedShape(ShapeMath.GatheredShape(x!.ShapeArray, group.Size), x.Dtype, x.Device);
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
        if (input.Inline is not null)
        {
            header.CopyInlinePayloads(destination.Pointer);
            return result!;
        }
        if (input.Device.Type == DeviceType.Cpu)
            ShimCalls.AllGather(group.Backend.Comm, input.Pointer, destination.Pointer, input.Count, (int)input.Dtype);
        else
            ShimCalls.DeviceAllGather(group.Backend.Comm, input.Device, input.Pointer, destination.Pointer, input.Count, (int)input.Dtype, stream?.NativeHandle ?? 0);
        return result!;
    }

    [MethodImpl(HotPath.Optimized)]
    public void Release(bool succeeded)
    {
        input.Dispose();
        destination.Dispose();
        if (!succeeded && Op == CollectiveOp.AllGather)
            result?.Dispose();
    }

    [MethodImpl(HotPath.Optimized)]
    private static Exception? RowsFit(MlxArray x, int groupSize)
    {
        var rows = x.Ndim == 0 ? 1L : x.ShapeArray[0];
        return rows * groupSize > int.MaxValue
            ? new ArgumentException($"the result's dimension 0 would be {rows} x {groupSize} = {rows * groupSize}, more than {int.MaxValue}", nameof(x))
            : null;
    }

    /// <summary>AllGatherInto's output must be exactly what AllGather would return; checked without allocating.</summary>
    [MethodImpl(HotPath.Optimized)]
    private static Exception? CheckOutput(MlxArray x, MlxArray? output, int groupSize)
    {
        var ndim = Math.Max(x.Ndim, 1);
        Span<int> shape = ndim <= 16 ? stackalloc int[ndim] : new int[ndim];
        ShapeMath.WriteGatheredShape(x.ShapeArray, groupSize, shape);
        return CallChecks.Output(x, output, shape, CallChecks.ShapeRule.Gathered, groupSize);
    }
}
