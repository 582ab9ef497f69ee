using MlxMpi.Collectives;
using static TorchSharp.torch;

namespace MlxMpi.TorchSharp;

public static partial class TorchDistributed
{
    /// <summary>
    /// Sums <paramref name="x"/> element-wise over every rank of <paramref name="group"/>, as MLX's all_sum: the result has
    /// x's shape and dtype. x is read in place (a non-contiguous x is packed once). Not differentiable (see the class
    /// remarks). On a group of one the result is a copy of x.
    /// </summary>
    /// <param name="x">A CPU tensor of a dtype MLX has (see <see cref="AllGather"/>).</param>
    /// <param name="group">The group; null means the world group from <see cref="Distributed.Init"/>.</param>
    /// <exception cref="ArgumentException">x is on a GPU or has another dtype (the other ranks throw too).</exception>
    public static Tensor AllSum(Tensor x, Group? group = null)
    {
        var g = group ?? Distributed.Init();
        g.ThrowIfDisposed();
        ThrowIfInvalid(x, nameof(x), g);
        var result = empty(x.shape, x.dtype, x.device);
        try
        {
            using (var input = TensorStorage.View(x))
            using (var output = TensorStorage.View(result))
                ViewCalls.ReduceInto(g, CollectiveOp.AllSum, input, output, null);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
        finally
        {
            GC.KeepAlive(x);
        }
    }

    /// <summary>
    /// Averages the gradients of <paramref name="module"/>'s parameters over every rank of <paramref name="group"/>, in place,
    /// as mlx.nn.average_gradients does for data-parallel training: call it after <c>backward()</c> and before the optimizer
    /// step. Gradients are packed into buckets of about <paramref name="bucketBytes"/> (32 MiB, MLX's all_reduce_size) in
    /// parameter order, one bucket per dtype, and each bucket is summed in one AllSum call and divided by the group size; a
    /// bucket holding one contiguous gradient is summed in place in it (no copy); a bucket of several is concatenated once,
    /// summed in place, and copied back. On a group of one nothing happens.
    /// </summary>
    /// <remarks>Every rank must hold the same model: the same parameters in the same order, with a gradient on the same ones
    /// (parameters whose grad is null are skipped); otherwise the buckets differ and every rank throws
    /// CollectiveMismatchException. Gradients must be CPU tensors.</remarks>
    /// <param name="module">The model whose parameters' <c>grad</c> tensors are averaged.</param>
    /// <param name="group">The group; null means the world group from <see cref="Distributed.Init"/>.</param>
    /// <param name="bucketBytes">Gradients are grouped until a bucket reaches this many bytes; 0 or less: one call per gradient.</param>
    public static void AverageGradients(nn.Module module, Group? group = null, long bucketBytes = GradientBuckets.DefaultBucketBytes)
    {
        ArgumentNullException.ThrowIfNull(module);
        var g = group ?? Distributed.Init();
        g.ThrowIfDisposed();
        if (g.Size == 1)
            return;
        var gradients = module.parameters().Select(p => p.grad).Where(grad => grad is not null).Select(grad => grad!).ToList();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var bucket in GradientBuckets.Plan(gradients, bucketBytes))
        {
            var single = bucket.Gradients.Count == 1 && bucket.Gradients[0].is_contiguous();
            var flat = single ? bucket.Gradients[0] : cat(bucket.Gradients.Select(t => t.reshape(-1)).ToList(), 0);
            ThrowIfInvalid(flat, "gradient", g);
            // In place: the sum lands in the storage it was read from, with no copy at all.
            using (var view = TensorStorage.View(flat))
                ViewCalls.ReduceInto(g, CollectiveOp.AllSum, view, view, null);
            flat.div_(g.Size);
            if (single)
                continue;
            long offset = 0;
            foreach (var gradient in bucket.Gradients)
            {
                var count = gradient.numel();
                gradient.copy_(flat.narrow(0, offset, count).reshape(gradient.shape));
                offset += count;
            }
        }
    }

    /// <summary>Announces <paramref name="tensor"/>'s local problem (null, disposed, on a GPU, a dtype MLX lacks) to the
    /// other ranks through the header phase of the AllSum they are in, and throws it here.</summary>
    private static void ThrowIfInvalid(Tensor? tensor, string name, Group group)
    {
        if (TensorStorage.Check(tensor, name) is { } failure)
            ViewCalls.Announce(group, CollectiveOp.AllSum, failure);
    }
}
