namespace MlxMpi.MpiWorker;

/// <summary>
/// The expected side of every check: a row-major copy of an array's elements as raw bytes. Comparing bytes
/// treats all 14 dtypes alike and checks that a gather moves data exactly, bit for bit.
/// </summary>
internal sealed class HostArray(Dtype dtype, int[] shape, byte[] bytes)
{
    public Dtype Dtype { get; } = dtype;

    public int[] Shape { get; } = shape;

    public byte[] Bytes { get; } = bytes;

    public int ElementSize => Dtypes.SizeOf(Dtype);

    public long Count => Shape.Aggregate(1L, (product, dim) => product * dim);

    public string Describe() => $"{Dtype}[{string.Join(", ", Shape)}]";

    /// <summary>What all_gather over a group whose members passed <paramref name="blocks"/> (in group-rank order)
    /// must return: the input itself on a group of one (MLX returns x, so a 0-d input stays 0-d), else the
    /// concatenation.</summary>
    public static HostArray AllGatherOf(IReadOnlyList<HostArray> blocks) => blocks.Count == 1 ? blocks[0] : Concat(blocks);

    /// <summary>The blocks concatenated on axis 0; 0-d blocks become a 1-D array.</summary>
    public static HostArray Concat(IReadOnlyList<HostArray> blocks)
    {
        var first = blocks[0];
        int[] shape = first.Shape.Length == 0
            ? [blocks.Count]
            : [blocks.Sum(b => b.Shape[0]), .. first.Shape[1..]];
        return new HostArray(first.Dtype, shape, [.. blocks.SelectMany(b => b.Bytes)]);
    }

    /// <summary>The row-major elements of this array transposed by <paramref name="axes"/>
    /// (what a transposed view's logical values are).</summary>
    public HostArray Transpose(int[] axes)
    {
        var ndim = Shape.Length;
        var newShape = axes.Select(a => Shape[a]).ToArray();
        var strides = new long[ndim];
        for (long d = ndim - 1, stride = 1; d >= 0; stride *= Shape[d], d--)
            strides[d] = stride;

        var size = ElementSize;
        var result = new byte[Bytes.Length];
        var index = new int[ndim];
        for (long i = 0; i < Count; i++)
        {
            long source = 0;
            for (var d = 0; d < ndim; d++)
                source += index[d] * strides[axes[d]];
            Array.Copy(Bytes, source * size, result, i * size, size);
            for (var d = ndim - 1; d >= 0 && ++index[d] == newShape[d]; d--)
                index[d] = 0;
        }
        return new HostArray(Dtype, newShape, result);
    }
}
