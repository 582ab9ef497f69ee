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

    [MethodImpl(HotPath.Optimized)]
    internal Exception? Hold(MlxArray x) => CallBuffer.TryHold(x, "input", out held);

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

    [MethodImpl(HotPath.Optimized)]
    internal readonly void Dispose()
    {
        held.Dispose();
        packed?.Dispose();
    }
}
