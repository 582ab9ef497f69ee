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
        var g = group ?? Distributed.Init();
        g.ThrowIfDisposed();
        var failure = TensorStorage.Check(x, nameof(x));
        if (failure is not null)
            ViewCalls.Announce(g, CollectiveOp.AllGatherInto, failure);
        var resultShape = x.shape.Length == 0 ? [g.Size] : (long[])x.shape.Clone();
        if (x.shape.Length > 0)
            resultShape[0] *= g.Size;
        var result = empty(resultShape, x.dtype, x.device);
        try
        {
            using (var input = TensorStorage.View(x))
            using (var output = TensorStorage.View(result))
                ViewCalls.GatherInto(g, input, output, null);
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
}
