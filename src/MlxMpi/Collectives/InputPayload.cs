using System.Runtime.CompilerServices;
namespace MlxMpi.Collectives;

/// <summary>
/// The input side that every call on the skeleton shares: the lease on x, the packed copy of a strided x (MPI sends
/// contiguous memory), and where x's payload went when it fits in the header slot.
/// </summary>
internal unsafe struct InputPayload
{
    private CallBuffer held;
    private MlxArray? packed;

    /// <summary>Where this rank's payload is in its header slot; null when it travels in the data phase.</summary>
    internal byte* Inline { [MethodImpl(HotPath.Inlined)] get; private set; }

    /// <summary>The first element MPI sends from: x's, or its packed copy's.</summary>
    internal readonly byte* Pointer
    {
        [MethodImpl(HotPath.Inlined)]
        get => held.Pointer;
    }

    /// <summary>x's elements, dtype and device, captured when it is held: x may be disposed while the call runs.</summary>
    internal long Count { [MethodImpl(HotPath.Inlined)] get; private set; }

    internal Dtype Dtype { [MethodImpl(HotPath.Inlined)] get; private set; }

    internal Device Device { [MethodImpl(HotPath.Inlined)] get; private set; }

    [MethodImpl(HotPath.Optimized)]
    internal Exception? Hold(MlxArray x)
    {
        (Count, Dtype, Device) = x.FactsForCall();
        return CallBuffer.TryHold(x, "input", out held);
    }

    /// <summary>Describes the call as <paramref name="shape"/> (x's, or what the op counts it as) and places x's
    /// values: in the slot when they fit, else left in place, packed first when x is a strided view.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal Exception? Describe(HeaderExchange header, CollectiveOp op, long sequence, MlxArray x, ReadOnlySpan<int> shape)
    {
        Inline = header.WriteCall(op, sequence, x.Dtype, shape, x.NBytes, x.Device.Type);
        if (Inline is not null)
        {
            x.CopyLogicalBytes(held, Inline);
            return null;
        }
        if (x.IsContiguous)
            return null;
        packed = PackedCopy.Of(x, held);
        held.Dispose();
        return CallBuffer.TryHold(packed, "packed input", out held);
    }

    /// <summary>Holds the call's output (<paramref name="result"/>, the array the data lands in), then describes the
    /// call: the last step of every Prepare that has an output.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal Exception? HoldOutputAndDescribe(MlxArray result, out CallBuffer destination, HeaderExchange header, CollectiveOp op,
                                              long sequence, MlxArray x, ReadOnlySpan<int> shape) =>
        CallBuffer.TryHold(result, "output", out destination) ?? Describe(header, op, sequence, x, shape);

    [MethodImpl(HotPath.Optimized)]
    internal readonly void Dispose()
    {
        held.Dispose();
        packed?.Dispose();
    }
}
