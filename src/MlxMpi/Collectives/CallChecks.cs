using System.Runtime.CompilerServices;
namespace MlxMpi.Collectives;

/// <summary>
/// The local checks of a call's arrays, made before the header phase. They return (not throw) what is wrong, so the
/// failure can be announced to the other ranks instead of leaving them waiting.
/// </summary>
internal static class CallChecks
{
    [MethodImpl(HotPath.Optimized)]
    internal static Exception? Input(MlxArray? x, Stream? stream)
    {
        if (x is null)
            return new ArgumentNullException(nameof(x), "the input array x is null");
        if (x.IsDisposed)
            return new ObjectDisposedException(null, "the input array x is disposed");
        if (stream is not null && stream.Device != x.Device)
            return new ArgumentException($"the stream is on {stream.Device} but x is on {x.Device}", nameof(stream));
        if (x.Ndim > HeaderSlot.MaxNdim)
            return new ArgumentException($"a collective supports up to {HeaderSlot.MaxNdim} dimensions; x has {x.Ndim}", nameof(x));
        return null;
    }

    /// <summary>An output array must be exactly <paramref name="shape"/> of x's dtype, contiguous, on x's device, and
    /// either x itself (<paramref name="mayBeInput"/>: an in-place reduction) or memory x does not share.</summary>
    /// <paramref name="rule"/> says in words how the shape follows from x's (only formatted on failure: a call
    /// that succeeds allocates nothing here).
    [MethodImpl(HotPath.Optimized)]
    internal static Exception? Output(MlxArray x, MlxArray? output, ReadOnlySpan<int> shape, ShapeRule rule, int groupSize, bool mayBeInput = false)
    {
        if (output is null)
            return new ArgumentNullException(nameof(output), "the output array is null");
        if (output.IsDisposed)
            return new ObjectDisposedException(null, "the output array is disposed");
        var inPlace = mayBeInput && ReferenceEquals(output, x);
        if (!inPlace && output.SharesMemoryWith(x))
            return new ArgumentException("the output array must not share memory with the input array" +
                                         (mayBeInput ? " (pass x itself as the output to reduce in place)" : ""), nameof(output));
        if (output.Dtype != x.Dtype || !shape.SequenceEqual(output.ShapeArray))
            return new ArgumentException($"the output must have shape {ShapeMath.Format(shape.ToArray())} and dtype {DtypeInfo.NameOf(x.Dtype)} " +
                                         $"({Describe(rule, groupSize)}); it has shape {ShapeMath.Format(output.ShapeArray)} " +
                                         $"and dtype {DtypeInfo.NameOf(output.Dtype)}", nameof(output));
        if (!output.IsContiguous)
            return new ArgumentException("the output must be contiguous (row-major), not a strided view", nameof(output));
        if (output.Device != x.Device)
            return new ArgumentException($"the output is on {output.Device} but x is on {x.Device}", nameof(output));
        return null;
    }

    internal enum ShapeRule { SameAsInput, Gathered, Scattered }

    [MethodImpl(HotPath.Optimized)]
    private static string Describe(ShapeRule rule, int groupSize) => rule switch
    {
        ShapeRule.Gathered => $"x's shape with dimension 0 times {groupSize}",
        ShapeRule.Scattered => $"x's shape with dimension 0 divided by {groupSize}",
        _ => "x's shape",
    };

    /// <summary>A handle on x that survives the caller disposing x while an async call waits its turn.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal static MlxArray? HoldForLater(MlxArray? x) => x is { IsDisposed: false } ? x.ShareView() : null;
}
