using System.Runtime.CompilerServices;
using MlxMpi.Collectives;

namespace MlxMpi;

public static partial class Distributed
{
    /// <summary>
    /// Sums <paramref name="x"/> element-wise over every rank of <paramref name="group"/> (MLX's all_sum): the result
    /// has x's shape and dtype. A group of one returns x itself. Every rank must pass the same shape and dtype;
    /// beyond MLX this is checked, and a disagreement (or a rank calling another collective) throws
    /// CollectiveMismatchException on every rank with the same message, leaving the group usable.
    /// </summary>
    /// <remarks>
    /// Per dtype: integer sums wrap around as in C (also for 8- and 16-bit integers, which MlxMpi reduces itself
    /// because Open MPI 4.1 saturates them); float16 and bfloat16 are summed through float and rounded back to
    /// nearest even at each step (never summed as bits); complex64 sums real and imaginary parts
    /// (MPI_C_FLOAT_COMPLEX); bool sums are a logical OR, as MLX's bool arithmetic saturates at true (results are
    /// 0 or 1). Floating-point sums may depend on the order MPI combines ranks, but every rank gets the same result.
    /// </remarks>
    /// <param name="x">This rank's contribution; any layout (strided views are reduced by value).</param>
    /// <param name="group">The group; null means the world group from <see cref="Init"/>.</param>
    /// <param name="stream">Where the reduction is ordered; null means the default stream of x's device.</param>
    [MethodImpl(HotPath.Optimized)]
    public static MlxArray AllSum(MlxArray x, Group? group = null, Stream? stream = null) =>
        Reduce(CollectiveOp.AllSum, x, group, stream);

    /// <summary>
    /// The element-wise maximum of <paramref name="x"/> over the group (MLX's all_max), with the rules of
    /// <see cref="AllSum"/>. For bool, max is a logical OR; for complex64, values are ordered by real part, then by
    /// imaginary part (lexicographically, as MLX orders complex numbers); for float16 and bfloat16 a NaN wins; for
    /// float32 and float64 NaN handling is the MPI library's (MPI_MAX).
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    public static MlxArray AllMax(MlxArray x, Group? group = null, Stream? stream = null) =>
        Reduce(CollectiveOp.AllMax, x, group, stream);

    /// <summary>
    /// The element-wise minimum of <paramref name="x"/> over the group (MLX's all_min), with the rules of
    /// <see cref="AllSum"/>. For bool, min is a logical AND; complex64 is ordered as in <see cref="AllMax"/>.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    public static MlxArray AllMin(MlxArray x, Group? group = null, Stream? stream = null) =>
        Reduce(CollectiveOp.AllMin, x, group, stream);

    /// <summary>
    /// Sums <paramref name="x"/> over the group and scatters the sum along axis 0 (MLX's sum_scatter): rank k gets
    /// rows [k*m, (k+1)*m) where m = x.Shape[0] / group size, so the result has x's shape with dimension 0 divided by
    /// the group size. Dimension 0 not divisible by the group size, or a 0-d x, is an ArgumentException (on every
    /// rank). A group of one returns x itself. Sums follow <see cref="AllSum"/>'s rules per dtype.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    public static MlxArray SumScatter(MlxArray x, Group? group = null, Stream? stream = null) =>
        CollectiveEntry.Run(group ?? Init(), x, stream, ReductionCall.SumScatter(x, null, stream));

    /// <summary>
    /// <see cref="AllSum"/> into the caller's <paramref name="output"/> (x's shape and dtype, contiguous, on x's device):
    /// no allocation per call. <paramref name="output"/> may be x itself (a contiguous CPU array) to reduce in place;
    /// any other sharing of memory is an ArgumentException. A wrong output throws there and on the other ranks.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    public static void AllSumInto(MlxArray x, MlxArray output, Group? group = null, Stream? stream = null) =>
        ReduceInto(CollectiveOp.AllSum, x, output, group, stream);

    /// <summary><see cref="AllMax"/> into the caller's output, as <see cref="AllSumInto"/>.</summary>
    [MethodImpl(HotPath.Optimized)]
    public static void AllMaxInto(MlxArray x, MlxArray output, Group? group = null, Stream? stream = null) =>
        ReduceInto(CollectiveOp.AllMax, x, output, group, stream);

    /// <summary><see cref="AllMin"/> into the caller's output, as <see cref="AllSumInto"/>.</summary>
    [MethodImpl(HotPath.Optimized)]
    public static void AllMinInto(MlxArray x, MlxArray output, Group? group = null, Stream? stream = null) =>
        ReduceInto(CollectiveOp.AllMin, x, output, group, stream);

    /// <summary><see cref="SumScatter"/> into the caller's output (x's shape with dimension 0 divided by the group
    /// size); output must not share memory with x.</summary>
    [MethodImpl(HotPath.Optimized)]
    public static void SumScatterInto(MlxArray x, MlxArray output, Group? group = null, Stream? stream = null)
    {
        group ??= Init();
        if (group.Size == 1)
            CollectiveEntry.RunInto(group, x, output, stream, ReductionCall.SumScatter(x, output, stream), gathered: false);
        else
            CollectiveSkeleton.Run<ReductionCall, MlxArray>(group, ReductionCall.SumScatter(x, output, stream));
    }

    /// <summary>
    /// Starts <see cref="AllSum"/> and returns at once; it runs on MlxMpi's collective thread, in the order of every
    /// collective this rank started, while the caller computes (as data-parallel training overlaps gradient
    /// reduction with the backward pass). x may be disposed once this returns. Cancellation as in
    /// <see cref="AllGatherAsync"/>.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    public static Task<MlxArray> AllSumAsync(MlxArray x, Group? group = null, Stream? stream = null,
                                             CancellationToken cancellationToken = default) =>
        ReduceAsync(CollectiveOp.AllSum, x, group, stream, cancellationToken);

    /// <summary><see cref="AllMax"/>, started asynchronously as <see cref="AllSumAsync"/>.</summary>
    [MethodImpl(HotPath.Optimized)]
    public static Task<MlxArray> AllMaxAsync(MlxArray x, Group? group = null, Stream? stream = null, CancellationToken cancellationToken = default) =>
        ReduceAsync(CollectiveOp.AllMax, x, group, stream, cancellationToken);

    /// <summary><see cref="AllMin"/>, started asynchronously as <see cref="AllSumAsync"/>.</summary>
    [MethodImpl(HotPath.Optimized)]
    public static Task<MlxArray> AllMinAsync(MlxArray x, Group? group = null, Stream? stream = null, CancellationToken cancellationToken = default) =>
        ReduceAsync(CollectiveOp.AllMin, x, group, stream, cancellationToken);

    /// <summary><see cref="SumScatter"/>, started asynchronously as <see cref="AllSumAsync"/>.</summary>
    [MethodImpl(HotPath.Optimized)]
    public static Task<MlxArray> SumScatterAsync(MlxArray x, Group? group = null, Stream? stream = null,
                                                 CancellationToken cancellationToken = default) =>
        CollectiveEntry.RunAsync(group ?? Init(), x, stream, 0,
                                 [MethodImpl(HotPath.Optimized)] static (input, s, _) => ReductionCall.SumScatter(input, null, s), cancellationToken);

    [MethodImpl(HotPath.Optimized)]
    private static MlxArray Reduce(CollectiveOp op, MlxArray x, Group? group, Stream? stream) =>
        CollectiveEntry.Run(group ?? Init(), x, stream, ReductionCall.AllReduce(op, x, null, stream));

    [MethodImpl(HotPath.Optimized)]
    private static void ReduceInto(CollectiveOp op, MlxArray x, MlxArray output, Group? group, Stream? stream) =>
        CollectiveEntry.RunInto(group ?? Init(), x, output, stream, ReductionCall.AllReduce(op, x, output, stream), gathered: false);

    [MethodImpl(HotPath.Optimized)]
    private static Task<MlxArray> ReduceAsync(CollectiveOp op, MlxArray x, Group? group, Stream? stream, CancellationToken cancellationToken) =>
        CollectiveEntry.RunAsync(group ?? Init(), x, stream, op,
                                 [MethodImpl(HotPath.Optimized)] static (input, s, o) => ReductionCall.AllReduce(o, input, null, s), cancellationToken);
}
