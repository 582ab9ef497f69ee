using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using MlxMpi.Collectives;

namespace MlxMpi;

// Beyond MLX: gathers of System.Numerics.Tensors data, with MLX's all_gather semantics (concatenation along dimension 0
// in rank order). The input is viewed in place, pinned for the call (a strided input is packed once, as for a transposed
// MlxArray), and the result is gathered straight into the new Tensor's memory: no copy in or out. The checks across ranks
// and the reporting of a local failure to every rank are AllGatherInto's.
public static unsafe partial class Distributed
{
    /// <summary>
    /// Gathers <paramref name="x"/> from every rank of <paramref name="group"/> into a new dense Tensor: x's lengths with
    /// dimension 0 multiplied by the group size, blocks in rank order. Every rank must pass the same lengths; a mismatch
    /// throws CollectiveMismatchException on every rank.
    /// </summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not an MLX element type, or a dimension exceeds
    /// int.MaxValue (on the other ranks: CollectiveMismatchException).</exception>
    public static Tensor<T> AllGather<T>(Tensor<T> x, Group? group = null) where T : unmanaged
    {
        var g = group ?? Init();
        g.ThrowIfDisposed();
        if (x is null)
        {
            GatherTensor<T>(null, [], [], null, [], g, new ArgumentNullException(nameof(x), "the input tensor x is null"));
            return null!; // not reached: the gather throws the failure
        }
        var result = Tensor.CreateFromShapeUninitialized<T>(ResultLengths(x.Lengths, g.Size));
        using var source = x.GetPinnedHandle();
        using var target = result.GetPinnedHandle();
        GatherTensor<T>((T*)source.Pointer, x.Lengths, x.Strides, (T*)target.Pointer, result.Lengths, g, null);
        return result;
    }

    /// <summary>Gathers a tensor span as <see cref="AllGather{T}(Tensor{T}, Group?)"/> does, into a new dense Tensor.</summary>
    public static Tensor<T> AllGather<T>(ReadOnlyTensorSpan<T> x, Group? group = null) where T : unmanaged
    {
        var g = group ?? Init();
        g.ThrowIfDisposed();
        var result = Tensor.CreateFromShapeUninitialized<T>(ResultLengths(x.Lengths, g.Size));
        using var target = result.GetPinnedHandle();
        fixed (T* source = &MemoryMarshal.GetReference(FirstElement(x)))
            GatherTensor<T>(source, x.Lengths, x.Strides, (T*)target.Pointer, result.Lengths, g, null);
        return result;
    }

    /// <summary>
    /// Gathers <paramref name="x"/> from every rank straight into <paramref name="output"/>, which must be dense and have
    /// exactly the result's lengths. A wrong output on any rank throws ArgumentException there and
    /// CollectiveMismatchException on the others.
    /// </summary>
    public static void AllGatherInto<T>(ReadOnlyTensorSpan<T> x, TensorSpan<T> output, Group? group = null) where T : unmanaged
    {
        var g = group ?? Init();
        g.ThrowIfDisposed();
        Exception? failure = output.IsDense ? null : new ArgumentException("the output tensor span must be dense (row-major, no gaps)", nameof(output));
        fixed (T* source = &MemoryMarshal.GetReference(FirstElement(x)))
        fixed (T* target = &MemoryMarshal.GetReference(FirstElement((ReadOnlyTensorSpan<T>)output)))
            GatherTensor<T>(source, x.Lengths, x.Strides, target, output.Lengths, g, failure);
    }

    /// <summary>A one-element-or-empty span at the tensor span's first element, for a fixed block: pinning that pins the
    /// whole span's memory.</summary>
    private static ReadOnlySpan<T> FirstElement<T>(ReadOnlyTensorSpan<T> x) =>
        MemoryMarshal.CreateReadOnlySpan(in TensorMarshal.GetReference(x), x.FlattenedLength == 0 ? 0 : 1);

    private static nint[] ResultLengths(ReadOnlySpan<nint> lengths, int groupSize)
    {
        if (lengths.Length == 0)
            return [groupSize];
        var result = lengths.ToArray();
        result[0] *= groupSize;
        return result;
    }

    /// <summary>Views the pinned input (any strides) and output (dense) as arrays and runs AllGatherInto's path, which
    /// checks them and announces <paramref name="failure"/> or an unsupported element type to the other ranks.</summary>
    private static void GatherTensor<T>(T* source, ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides,
                                        T* target, ReadOnlySpan<nint> outputLengths, Group group, Exception? failure) where T : unmanaged
    {
        if (!DtypeInfo.TryOf<T>(out var dtype))
            failure ??= DtypeInfo.NotAnElementType(typeof(T), nameof(T));
        MlxArray? input = null, output = null;
        try
        {
            if (failure is null)
            {
                var shape = TensorLayout.Shape(lengths, out failure);
                var outputShape = failure is null ? TensorLayout.Shape(outputLengths, out failure) : [];
                if (failure is null)
                {
                    input = MlxArray.ViewOfPinned((byte*)source, dtype, shape, TensorLayout.Strides(shape, strides),
                                                  TensorLayout.Reach(shape, strides) * sizeof(T));
                    output = MlxArray.ViewOfPinned((byte*)target, dtype, outputShape, null, ShapeMath.ElementCount(outputShape) * sizeof(T));
                }
            }
            ViewCalls.GatherInto(group, input, output, failure);
        }
        finally
        {
            input?.Dispose();
            output?.Dispose();
        }
    }
}
