using System.Runtime.CompilerServices;

namespace MlxMpi;

public sealed partial class MlxArray
{
    /// <summary>The same elements in another shape, read in row-major order. A contiguous array gives a view of
    /// the same memory; otherwise (a transposed view, say) the elements are copied, as MLX does.</summary>
    /// <param name="shape">The new shape; one dimension may be -1, inferred from the element count.</param>
    /// <exception cref="ArgumentException">The shape holds a different number of elements, has more than one -1,
    /// or has another negative dimension.</exception>
    public MlxArray Reshape(params int[] shape)
    {
        ThrowIfDisposed();
        int[] resolved = ShapeMath.ResolveReshape(shape ?? [], _shape, _size);
        if (_strides is null || ShapeMath.IsRowMajor(_shape, _strides))
            return View(resolved, null);

        var copy = Create(resolved, _dtype);
        unsafe
        {
            CopyElements(0, _size, copy._buffer.Base);
        }
        if (_buffer.IsHost)
            return copy;
        using (copy)
            return copy.ToDevice(_buffer.Device);
    }

    /// <summary>A view with the axes permuted: dimension i of the result is dimension <c>axes[i]</c> of this array.
    /// No elements are copied.</summary>
    /// <param name="axes">A permutation of 0 .. <see cref="Ndim"/> - 1 (negative axes count from the end);
    /// none reverses the axes, so a matrix is transposed.</param>
    /// <exception cref="ArgumentException"><paramref name="axes"/> is not a permutation of the array's axes.</exception>
    public MlxArray Transpose(params int[] axes)
    {
        ThrowIfDisposed();
        int[] permutation = ShapeMath.ResolvePermutation(axes, _shape);
        var shape = new int[permutation.Length];
        var strides = new long[permutation.Length];
        for (int d = 0; d < permutation.Length; d++)
        {
            shape[d] = _shape[permutation[d]];
            strides[d] = Strides[permutation[d]];
        }
        return View(shape, strides);
    }

    /// <summary>Another handle on the same elements and layout, so that work which outlives the caller's
    /// <see cref="Dispose"/> (an async gather) still reads the values the array had.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal MlxArray ShareView()
    {
        ThrowIfDisposed();
        return View((int[])_shape.Clone(), (long[]?)_strides?.Clone());
    }
}
