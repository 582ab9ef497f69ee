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
                SumInto(input, result, g);
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
    /// bucket holding one contiguous gradient is summed straight from it. On a group of one nothing happens.
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
            using (var view = TensorStorage.View(flat))
                SumInto(view, flat, g);
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

    /// <summary>AllSum of <paramref name="input"/> (a view of a tensor's storage), written into <paramref name="target"/>'s
    /// storage, which has the same shape and dtype and is contiguous (it may be the tensor the input views).</summary>
    private static unsafe void SumInto(MlxArray input, Tensor target, Group group)
    {
        var summed = Distributed.AllSum(input, group);
        try
        {
            using var output = TensorStorage.View(target);
            if (!ReferenceEquals(summed, input))
                summed.CopyLogicalBytesTo(output.DataPointer);
            else if (!input.SharesMemoryWith(output))
                input.CopyLogicalBytesTo(output.DataPointer);
        }
        finally
        {
            if (!ReferenceEquals(summed, input))
                summed.Dispose();
            GC.KeepAlive(target);
        }
    }

    /// <summary>Throws <paramref name="name"/>'s local problem on this rank after reporting it to the other ranks, which
    /// throw CollectiveMismatchException from the AllSum they are in (a null input is how a rank announces a failure
    /// through the public AllSum).</summary>
    private static void ThrowIfInvalid(Tensor? tensor, string name, Group group)
    {
        if (TensorStorage.Check(tensor, name) is not { } failure)
            return;
        if (group.Size > 1)
        {
            try
            {
                Distributed.AllSum(null!, group);
            }
            catch (Exception)
            {
                // Expected: the AllSum reports this rank's null input to the others and throws here too.
            }
        }
        throw failure;
    }
}
