using System.Numerics.Tensors;

namespace MlxMpi;

// Conversions between MlxArray and System.Numerics.Tensors. Both describe memory by lengths and strides in elements, so
// each direction is a view where memory allows: an MlxArray's native memory as a TensorSpan (any layout, transposed views
// included), and a Tensor's managed memory, pinned, as an MlxArray. Tensor<T> always owns a managed array, so the one
// direction that must copy is MlxArray to Tensor<T> (ToTensor); gather into a Tensor with Distributed.AllGather instead.
public sealed unsafe partial class MlxArray
{
    /// <summary>
    /// The elements as a read-only tensor span over this array's memory, with its shape and strides (a transposed view
    /// stays transposed): no copy. Valid only while this array is undisposed; do not keep it past a Dispose.
    /// </summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not the element type of <see cref="Dtype"/>.</exception>
    /// <exception cref="InvalidOperationException">The array is on a GPU, whose memory the host cannot read.</exception>
    public ReadOnlyTensorSpan<T> AsReadOnlyTensorSpan<T>() where T : unmanaged => AsTensorSpan<T>();

    /// <summary>
    /// The elements as a writable tensor span over this array's memory: no copy. Writes change this array and every view of
    /// its memory; MlxMpi never writes an array it has handed out, except as the output of an AllGatherInto. Valid only
    /// while this array is undisposed.
    /// </summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not the element type of <see cref="Dtype"/>.</exception>
    /// <exception cref="InvalidOperationException">The array is on a GPU, whose memory the host cannot read.</exception>
    public TensorSpan<T> AsTensorSpan<T>() where T : unmanaged
    {
        ThrowIfDisposed();
        DtypeInfo.ThrowIfMismatch<T>(_dtype, nameof(AsTensorSpan));
        if (!_buffer.IsHost)
            throw new InvalidOperationException($"the array is on {Device}; bring it to the host with ToHost() first");
        var lengths = TensorLayout.Lengths(_shape);
        var strides = new nint[_shape.Length];
        for (var d = 0; d < strides.Length; d++)
            strides[d] = (nint)Strides[d];
        var reach = TensorLayout.Reach(_shape, strides);
        return new TensorSpan<T>((T*)DataPointer, (nint)reach, lengths, strides);
    }

    /// <summary>A new Tensor holding a copy of the elements, dense and row-major (Tensor&lt;T&gt; owns managed memory, so
    /// this direction always copies).</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not the element type of <see cref="Dtype"/>.</exception>
    public Tensor<T> ToTensor<T>() where T : unmanaged
    {
        ThrowIfDisposed();
        DtypeInfo.ThrowIfMismatch<T>(_dtype, nameof(ToTensor));
        var tensor = Tensor.CreateFromShapeUninitialized<T>(TensorLayout.Lengths(_shape));
        using var pin = tensor.GetPinnedHandle();
        CopyElements(0, _size, (byte*)pin.Pointer);
        return tensor;
    }

    /// <summary>
    /// An array over <paramref name="tensor"/>'s memory with its lengths and strides: no copy. The tensor's memory is pinned
    /// until this array and every view of it are disposed; writes to the tensor are seen by the array (the lifetime rules of
    /// <see cref="FromPointer"/> apply).
    /// </summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not an element type, or a dimension exceeds int.MaxValue.</exception>
    public static MlxArray FromTensor<T>(Tensor<T> tensor) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var dtype = DtypeInfo.Of<T>();
        var shape = TensorLayout.Shape(tensor.Lengths, out var failure);
        if (failure is not null)
            throw failure;
        var strides = TensorLayout.Strides(shape, tensor.Strides);
        var pin = tensor.GetPinnedHandle();
        try
        {
            return OverExternal((byte*)pin.Pointer, dtype, shape, strides, TensorLayout.Reach(shape, tensor.Strides) * sizeof(T),
                                new ExternalMemoryOwner(pin, null));
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    /// <summary>A new array holding a copy of <paramref name="span"/>'s elements in row-major order. (A tensor span may be
    /// over unpinned managed memory, so no view can outlive the call; the Distributed overloads for tensor spans gather one
    /// in place.)</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not an element type, or a dimension exceeds int.MaxValue.</exception>
    public static MlxArray FromTensorSpan<T>(ReadOnlyTensorSpan<T> span) where T : unmanaged
    {
        var dtype = DtypeInfo.Of<T>();
        var shape = TensorLayout.Shape(span.Lengths, out var failure);
        if (failure is not null)
            throw failure;
        var array = Create(shape, dtype);
        span.FlattenTo(new Span<T>(array._buffer.Base, checked((int)array._size)));
        return array;
    }
}
