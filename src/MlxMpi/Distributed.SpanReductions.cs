using System.Runtime.CompilerServices;
using MlxMpi.Collectives;

namespace MlxMpi;

// Beyond MLX: AllSum, AllMax and AllMin of 1-D .NET data, with the element types, pinning and checks of the span gathers
// (Distributed.Spans.cs) and the per-dtype rules of the MlxArray reductions. The input is reduced where it lies and the
// result written straight into the returned array or the caller's output (which may be the input itself: in place).
public static unsafe partial class Distributed
{
    /// <summary>The element-wise sum of <paramref name="x"/> over every rank of <paramref name="group"/>, as
    /// <see cref="AllSum(MlxArray, Group?, Stream?)"/> (its per-dtype rules); every rank must pass the same length.</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not an MLX element type (the other ranks throw
    /// CollectiveMismatchException).</exception>
    public static T[] AllSum<T>(ReadOnlySpan<T> x, Group? group = null) where T : unmanaged => Reduce(CollectiveOp.AllSum, x, group);

    /// <summary>The element-wise maximum over the group, as <see cref="AllMax(MlxArray, Group?, Stream?)"/>.</summary>
    public static T[] AllMax<T>(ReadOnlySpan<T> x, Group? group = null) where T : unmanaged => Reduce(CollectiveOp.AllMax, x, group);

    /// <summary>The element-wise minimum over the group, as <see cref="AllMin(MlxArray, Group?, Stream?)"/>.</summary>
    public static T[] AllMin<T>(ReadOnlySpan<T> x, Group? group = null) where T : unmanaged => Reduce(CollectiveOp.AllMin, x, group);

    /// <summary>
    /// The element-wise sum over the group written into <paramref name="output"/>, which must have x's length and either be
    /// x's very memory (an in-place sum: pass the same span twice) or not overlap it. A wrong output on any rank throws
    /// ArgumentException there and CollectiveMismatchException on the others.
    /// </summary>
    public static void AllSumInto<T>(ReadOnlySpan<T> x, Span<T> output, Group? group = null) where T : unmanaged =>
        ReduceSpan(CollectiveOp.AllSum, x, output, group ?? Init(), null);

    /// <summary>The element-wise maximum into <paramref name="output"/>, as <see cref="AllSumInto{T}(ReadOnlySpan{T}, Span{T}, Group?)"/>.</summary>
    public static void AllMaxInto<T>(ReadOnlySpan<T> x, Span<T> output, Group? group = null) where T : unmanaged =>
        ReduceSpan(CollectiveOp.AllMax, x, output, group ?? Init(), null);

    /// <summary>The element-wise minimum into <paramref name="output"/>, as <see cref="AllSumInto{T}(ReadOnlySpan{T}, Span{T}, Group?)"/>.</summary>
    public static void AllMinInto<T>(ReadOnlySpan<T> x, Span<T> output, Group? group = null) where T : unmanaged =>
        ReduceSpan(CollectiveOp.AllMin, x, output, group ?? Init(), null);

    private static T[] Reduce<T>(CollectiveOp op, ReadOnlySpan<T> x, Group? group) where T : unmanaged
    {
        var result = GC.AllocateUninitializedArray<T>(x.Length); // every element is written by the reduction
        ReduceSpan(op, x, result, group ?? Init(), null);
        return result;
    }

    private static void ReduceSpan<T>(CollectiveOp op, ReadOnlySpan<T> x, Span<T> output, Group group, Exception? failure) where T : unmanaged
    {
        // The same memory on both sides is an in-place reduction: one view, passed as input and output.
        var inPlace = x.Length == output.Length && x.Length > 0 &&
                      Unsafe.AreSame(ref Unsafe.AsRef(in x[0]), ref output[0]);
        OnPinnedViews(x, output, inPlace, failure, (group, op),
                      static (s, input, destination, problem) => ViewCalls.ReduceInto(s.group, s.op, input, destination, problem));
    }
}
