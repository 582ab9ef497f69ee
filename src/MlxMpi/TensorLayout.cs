namespace MlxMpi;

/// <summary>
/// Translates System.Numerics.Tensors layouts (nint lengths and strides, in elements) to MlxArray's (int dimensions,
/// long strides), so tensors and tensor spans can be viewed as arrays in place.
/// </summary>
internal static class TensorLayout
{
    /// <summary>MlxArray's shape for <paramref name="lengths"/>, or an exception naming a dimension that does not fit in an int.</summary>
    internal static int[] Shape(ReadOnlySpan<nint> lengths, out Exception? failure)
    {
        failure = null;
        var shape = new int[lengths.Length];
        for (var d = 0; d < lengths.Length; d++)
        {
            if (lengths[d] > int.MaxValue)
            {
                failure = new ArgumentException($"dimension {d} of the tensor has length {lengths[d]}; MLX arrays hold at most {int.MaxValue} per dimension");
                return [];
            }
            shape[d] = (int)lengths[d];
        }
        return shape;
    }

    /// <summary>The strides as MlxArray keeps them: null when they are row-major (the common, dense case).</summary>
    internal static long[]? Strides(ReadOnlySpan<int> shape, ReadOnlySpan<nint> strides)
    {
        var result = new long[strides.Length];
        for (var d = 0; d < strides.Length; d++)
            result[d] = strides[d];
        return ShapeMath.IsRowMajor(shape, result) ? null : result;
    }

    /// <summary>How many elements from the first one the layout reaches: the memory a view of it must cover.</summary>
    internal static long Reach(ReadOnlySpan<int> shape, ReadOnlySpan<nint> strides)
    {
        if (shape.Contains(0))
            return 0;
        long last = 0;
        for (var d = 0; d < shape.Length; d++)
            last += (shape[d] - 1) * (long)strides[d];
        return last + 1;
    }

    internal static nint[] Lengths(ReadOnlySpan<int> shape)
    {
        var lengths = new nint[shape.Length];
        for (var d = 0; d < shape.Length; d++)
            lengths[d] = shape[d];
        return lengths;
    }
}
