using System.Text;
using System.Runtime.CompilerServices;

namespace MlxMpi;

/// <summary>Shape arithmetic shared by the array model: validation, element counts, row-major strides,
/// contiguity, reshape inference, axis permutations and MLX-style formatting.</summary>
/// <remarks>Counts and strides are <see cref="long"/> everywhere: an array may hold more than 2^31 elements even
/// though each dimension is an <see cref="int"/>, as in MLX.</remarks>
internal static class ShapeMath
{
    /// <summary>A private copy of <paramref name="shape"/>, after checking that no dimension is negative.</summary>
    public static int[] Validated(int[] shape, string paramName)
    {
        ArgumentNullException.ThrowIfNull(shape, paramName);
        foreach (int dim in shape)
        {
            if (dim < 0)
                throw new ArgumentException($"shape {Format(shape)} has a negative dimension", paramName);
        }
        // A copy, so the caller mutating its array later cannot change the array's shape.
        return (int[])shape.Clone();
    }

    /// <summary>The number of elements of a shape with no negative dimension (1 for a 0-d shape).</summary>
    /// <exception cref="ArgumentException">The count does not fit in a <see cref="long"/>.</exception>
    [MethodImpl(HotPath.Optimized)]
    public static long ElementCount(ReadOnlySpan<int> shape)
    {
        // A zero anywhere empties the array, however large the other dimensions are.
        if (shape.Contains(0))
            return 0;
        long count = 1;
        foreach (int dim in shape)
        {
            if (count > long.MaxValue / dim)
                throw new ArgumentException($"shape {Format(shape)} has more elements than a 64-bit count can hold");
            count *= dim;
        }
        return count;
    }

    /// <summary>The bytes that <paramref name="count"/> elements of <paramref name="elementSize"/> bytes take.</summary>
    /// <exception cref="ArgumentException">The size does not fit in a <see cref="long"/>.</exception>
    [MethodImpl(HotPath.Optimized)]
    public static long ByteCount(long count, int elementSize, ReadOnlySpan<int> shape)
    {
        if (count > long.MaxValue / elementSize)
            throw new ArgumentException($"an array of shape {Format(shape)} has more bytes than a 64-bit size can hold");
        return count * elementSize;
    }

    /// <summary>Row-major (C order) strides in elements: the last dimension moves fastest.</summary>
    public static long[] RowMajorStrides(ReadOnlySpan<int> shape)
    {
        var strides = new long[shape.Length];
        long step = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = step;
            // Unchecked on purpose: it can only wrap for an empty array (a zero dimension elsewhere), whose
            // strides are never used to address memory.
            step = unchecked(step * Math.Max(shape[d], 1));
        }
        return strides;
    }

    /// <summary>True when elements lie in row-major order with no gaps. Empty and 1-element layouts always do;
    /// a dimension of length 1 never moves, so its stride does not matter.</summary>
    public static bool IsRowMajor(ReadOnlySpan<int> shape, ReadOnlySpan<long> strides)
    {
        if (shape.Contains(0))
            return true;
        long expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] == 1)
                continue;
            if (strides[d] != expected)
                return false;
            expected *= shape[d];
        }
        return true;
    }

    /// <summary>The shape a reshape to <paramref name="requested"/> gives an array of <paramref name="from"/>,
    /// with a -1 replaced by the dimension that makes the element count match.</summary>
    /// <exception cref="ArgumentException">The request is malformed or holds a different number of elements.</exception>
    public static int[] ResolveReshape(int[] requested, ReadOnlySpan<int> from, long size)
    {
        ArgumentNullException.ThrowIfNull(requested, "shape");
        int inferAt = -1;
        long known = 1;
        bool overflow = false;
        for (int d = 0; d < requested.Length; d++)
        {
            int dim = requested[d];
            if (dim == -1)
            {
                if (inferAt >= 0)
                    throw ReshapeError(from, requested, "only one dimension can be -1");
                inferAt = d;
            }
            else if (dim < 0)
            {
                throw ReshapeError(from, requested, "dimensions cannot be negative (-1 infers one)");
            }
            else if (dim == 0)
            {
                // Zero wins over any overflow of the dimensions before it.
                known = 0;
                overflow = false;
            }
            else if (known != 0)
            {
                overflow |= known > long.MaxValue / dim;
                known = overflow ? long.MaxValue : known * dim;
            }
        }
        var result = (int[])requested.Clone();
        if (inferAt < 0)
        {
            if (overflow || known != size)
                throw ReshapeError(from, requested, null);
            return result;
        }
        if (known == 0)
            throw ReshapeError(from, requested, "a -1 cannot be inferred next to a zero dimension");
        long inferred = overflow ? 0 : size / known;
        if (overflow || inferred * known != size || inferred > int.MaxValue)
            throw ReshapeError(from, requested, null);
        result[inferAt] = (int)inferred;
        return result;
    }

    /// <summary>The permutation that <paramref name="axes"/> names, with negative axes counted from the end as in
    /// MLX; no axes means reversing them all.</summary>
    /// <exception cref="ArgumentException"><paramref name="axes"/> is not a permutation of the array's axes.</exception>
    public static int[] ResolvePermutation(int[]? axes, ReadOnlySpan<int> shape)
    {
        int ndim = shape.Length;
        var result = new int[ndim];
        if (axes is null || axes.Length == 0)
        {
            for (int d = 0; d < ndim; d++)
                result[d] = ndim - 1 - d;
            return result;
        }
        if (axes.Length != ndim)
            throw PermutationError(axes, shape);
        var seen = new bool[ndim];
        for (int d = 0; d < ndim; d++)
        {
            int axis = axes[d] < 0 ? axes[d] + ndim : axes[d];
            if (axis < 0 || axis >= ndim || seen[axis])
                throw PermutationError(axes, shape);
            seen[axis] = true;
            result[d] = axis;
        }
        return result;
    }

    /// <summary>A shape as MLX's Python API prints it: <c>(2, 3)</c>, <c>(5,)</c>, <c>()</c>.</summary>
    public static string Format(ReadOnlySpan<int> shape)
    {
        var text = new StringBuilder("(");
        for (int d = 0; d < shape.Length; d++)
        {
            if (d > 0)
                text.Append(", ");
            text.Append(shape[d]);
        }
        if (shape.Length == 1)
            text.Append(',');
        return text.Append(')').ToString();
    }

    private static ArgumentException ReshapeError(ReadOnlySpan<int> from, int[] requested, string? why)
    {
        string message = $"cannot reshape an array of shape {Format(from)} ({ElementCount(from)} elements) " +
                         $"into shape {Format(requested)}";
        return new ArgumentException(why is null ? message : $"{message}: {why}", "shape");
    }

    private static ArgumentException PermutationError(int[] axes, ReadOnlySpan<int> shape) =>
        new($"axes {Format(axes)} are not a permutation of the {shape.Length} axes of an array of shape " +
            $"{Format(shape)}: each axis must appear exactly once", nameof(axes));

    /// <summary>An all_gather's result shape: dimension 0 times the group size; a 0-d shape gives [groupSize].</summary>
    public static int[] GatheredShape(ReadOnlySpan<int> shape, int groupSize)
    {
        var result = new int[Math.Max(shape.Length, 1)];
        WriteGatheredShape(shape, groupSize, result);
        return result;
    }

    /// <summary>Writes <see cref="GatheredShape"/> into <paramref name="result"/> (max(ndim, 1) entries), allocation-free.</summary>
    public static void WriteGatheredShape(ReadOnlySpan<int> shape, int groupSize, Span<int> result)
    {
        if (shape.Length == 0)
        {
            result[0] = groupSize;
            return;
        }
        shape.CopyTo(result);
        result[0] = checked(shape[0] * groupSize);
    }
}
