using MlxMpi.Collectives;
using static TorchSharp.torch;

namespace MlxMpi.TorchSharp;

/// <summary>
/// MLX's distributed collectives for TorchSharp tensors, over MPI through MlxMpi, and data-parallel training on top:
/// <see cref="AllGather"/>, <see cref="AllSum"/> and <see cref="AverageGradients"/>. CPU tensors are read and written in
/// place, straight from their storage (no copy for a contiguous tensor), with MlxMpi's checks across ranks: a shape or
/// dtype that differs between ranks throws CollectiveMismatchException on every rank, and a local failure on one rank (a
/// CUDA tensor, a dtype MLX does not have) throws there and is reported to the others, which throw too instead of hanging.
/// </summary>
/// <remarks>
/// Not differentiable: results are plain tensors with no autograd history (<c>requires_grad</c> false, no
/// <c>grad_fn</c>), whatever the input's <c>requires_grad</c>, and no gradient flows back through a collective. For a
/// differentiable gather, wrap it in an autograd function with the convention you need: MLX's all_gather VJP slices the
/// cotangent to this rank's block, while PyTorch's torch.distributed.nn.all_gather sums the cotangents across ranks first.
/// For data-parallel training, call <see cref="AverageGradients"/> after <c>backward()</c> instead.
/// </remarks>
public static partial class TorchDistributed
{
    /// <summary>
    /// Gathers <paramref name="x"/> from every rank of <paramref name="group"/> and concatenates along dimension 0 in rank
    /// order, as MLX's all_gather: the result has x's shape with dimension 0 multiplied by the group size (a 0-d tensor
    /// gives shape [size]), and x's dtype. x is read in place (a non-contiguous x is packed once), and the data lands
    /// straight in the new tensor's storage. On a group of one the result is a copy of x. Not differentiable (see the class
    /// remarks).
    /// </summary>
    /// <param name="x">A CPU tensor of bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64 or complex64.</param>
    /// <param name="group">The group; null means the world group from <see cref="Distributed.Init"/>.</param>
    /// <exception cref="ArgumentException">x is on a GPU, has another dtype, or a dimension over int.MaxValue (on the other
    /// ranks: <see cref="CollectiveMismatchException"/>).</exception>
    public static Tensor AllGather(Tensor x, Group? group = null)
    {
        var g = Enter(x, group, CollectiveOp.AllGatherInto);
        var resultShape = x.shape.Length == 0 ? [g.Size] : (long[])x.shape.Clone();
        if (x.shape.Length > 0)
            resultShape[0] *= g.Size;
        return IntoNewTensor(x, resultShape, g, static (group, input, output) => ViewCalls.GatherInto(group, input, output, null));
    }

    /// <summary>The group to use (the world when null), checked, with x's local problems announced to the other ranks in
    /// <paramref name="op"/>.</summary>
    private static Group Enter(Tensor x, Group? group, CollectiveOp op)
    {
        var g = group ?? Distributed.Init();
        g.ThrowIfDisposed();
        ThrowIfInvalid(x, nameof(x), g, op);
        return g;
    }

    /// <summary>Runs <paramref name="call"/> from x's storage into a new tensor of <paramref name="shape"/> (x's dtype and
    /// device), both viewed in place; the new tensor is freed if the call throws.</summary>
    private static Tensor IntoNewTensor(Tensor x, long[] shape, Group group, Action<Group, MlxArray, MlxArray> call)
    {
        var result = empty(shape, x.dtype, x.device);
        try
        {
            using (var input = TensorStorage.View(x))
            using (var output = TensorStorage.View(result))
                call(group, input, output);
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
    /// Sums <paramref name="x"/> element-wise over every rank of <paramref name="group"/>, as MLX's all_sum: the result has
    /// x's shape and dtype. x is read in place (a non-contiguous x is packed once). Not differentiable (see the class
    /// remarks). On a group of one the result is a copy of x.
    /// </summary>
    /// <param name="x">A CPU tensor of a dtype MLX has (see <see cref="AllGather"/>).</param>
    /// <param name="group">The group; null means the world group from <see cref="Distributed.Init"/>.</param>
    /// <exception cref="ArgumentException">x is on a GPU or has another dtype (the other ranks throw too).</exception>
    public static Tensor AllSum(Tensor x, Group? group = null)
    {
        var g = Enter(x, group, CollectiveOp.AllSum);
        return IntoNewTensor(x, x.shape, g, static (group, input, output) => ViewCalls.ReduceInto(group, CollectiveOp.AllSum, input, output, null));
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
            ThrowIfInvalid(flat, "gradient", g, CollectiveOp.AllSum);
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
    /// other ranks through the header phase of the <paramref name="op"/> they are in, and throws it here.</summary>
    private static void ThrowIfInvalid(Tensor? tensor, string name, Group group, CollectiveOp op)
    {
        if (TensorStorage.Check(tensor, name) is { } failure)
            ViewCalls.Announce(group, op, failure);
    }
}
