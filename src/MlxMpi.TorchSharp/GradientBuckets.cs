using static TorchSharp.torch;

namespace MlxMpi.TorchSharp;

/// <summary>
/// How <see cref="TorchDistributed.AverageGradients"/> packs gradients into few all-reduce calls, as
/// mlx.nn.average_gradients does: in parameter order, a bucket takes gradients until its size reaches the bucket size
/// (so a bucket is just at or above it, and one larger gradient is a bucket of its own). Beyond MLX, which falls back to
/// one call per gradient when dtypes are mixed, each dtype gets its own buckets.
/// </summary>
internal static class GradientBuckets
{
    /// <summary>MLX's default all_reduce_size: 32 MiB.</summary>
    internal const long DefaultBucketBytes = 32L << 20;

    /// <summary>One all-reduce call: gradients of one dtype, in parameter order, and their total element count.</summary>
    internal sealed record Bucket(ScalarType Dtype, IReadOnlyList<Tensor> Gradients, long Elements);

    /// <summary>The buckets for <paramref name="gradients"/>, dtypes in order of first appearance; <paramref name="bucketBytes"/>
    /// of 0 or less means one bucket per gradient (MLX's all_reduce_size &lt;= 0).</summary>
    internal static List<Bucket> Plan(IEnumerable<Tensor> gradients, long bucketBytes)
    {
        var buckets = new List<Bucket>();
        var open = new Dictionary<ScalarType, (List<Tensor> Items, long Elements, long Bytes)>();
        var order = new List<ScalarType>();
        foreach (var gradient in gradients)
        {
            var dtype = gradient.dtype;
            if (!open.TryGetValue(dtype, out var current))
            {
                current = ([], 0, 0);
                if (!order.Contains(dtype))
                    order.Add(dtype);
            }
            current.Items.Add(gradient);
            current.Elements += gradient.numel();
            current.Bytes += gradient.numel() * gradient.element_size();
            if (current.Bytes >= bucketBytes)
            {
                buckets.Add(new Bucket(dtype, current.Items, current.Elements));
                open.Remove(dtype);
            }
            else
            {
                open[dtype] = current;
            }
        }
        // The partly filled buckets last, one per dtype, in the order the dtypes first appeared: the same on every rank.
        foreach (var dtype in order)
        {
            if (open.TryGetValue(dtype, out var rest))
                buckets.Add(new Bucket(dtype, rest.Items, rest.Elements));
        }
        return buckets;
    }
}
