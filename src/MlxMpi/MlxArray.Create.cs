using System.Runtime.CompilerServices;

namespace MlxMpi;

public sealed unsafe partial class MlxArray
{
    /// <summary>An array of <paramref name="shape"/> holding a copy of <paramref name="data"/> in row-major order.</summary>
    /// <param name="data">The elements; its element type chooses the <see cref="MlxMpi.Dtype"/>.</param>
    /// <param name="shape">The shape, whose element count must equal <c>data.Length</c>. None (or null) makes a
    /// 1-d array of <c>data.Length</c> elements; use <see cref="Scalar{T}"/> for a 0-d array.</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not an element type, a dimension is
    /// negative, or the shape holds a different number of elements.</exception>
    public static MlxArray FromArray<T>(T[] data, params int[] shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        Dtype dtype = DtypeInfo.Of<T>();
        int[] dims = shape is null || shape.Length == 0 ? [data.Length] : ShapeMath.Validated(shape, nameof(shape));
        long size = ShapeMath.ElementCount(dims);
        if (size != data.Length)
        {
            throw new ArgumentException(
                $"shape {ShapeMath.Format(dims)} holds {size} elements but data has {data.Length}", nameof(shape));
        }
        var array = Create(dims, dtype);
        fixed (T* source = data)
        {
            long bytes = array.NBytes;
            Buffer.MemoryCopy(source, array._buffer.Base, bytes, bytes);
        }
        return array;
    }

    /// <summary>A 0-d array holding <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not an element type.</exception>
    public static MlxArray Scalar<T>(T value) where T : unmanaged
    {
        var array = Create([], DtypeInfo.Of<T>());
        *(T*)array._buffer.Base = value;
        return array;
    }

    /// <summary>An array of <paramref name="shape"/> whose every element is 1 (true for bool, 1+0i for complex).</summary>
    /// <exception cref="ArgumentException">A dimension is negative, the dtype is undefined, or the array is too large.</exception>
    /// <exception cref="OutOfMemoryException">The memory is not available.</exception>
    public static MlxArray Ones(int[] shape, Dtype dtype)
    {
        var array = Allocate(shape, dtype);
        ElementFill.One(array._buffer.Base, array._size, dtype);
        return array;
    }

    /// <summary>An array of <paramref name="shape"/> whose every element is 0 (false for bool).</summary>
    /// <exception cref="ArgumentException">A dimension is negative, the dtype is undefined, or the array is too large.</exception>
    /// <exception cref="OutOfMemoryException">The memory is not available.</exception>
    public static MlxArray Zeros(int[] shape, Dtype dtype)
    {
        var array = Allocate(shape, dtype);
        ElementFill.Zero(array._buffer.Base, array.NBytes);
        return array;
    }

    /// <summary>A new contiguous array whose elements are left uninitialised: results that are about to be
    /// overwritten whole (a gather's output) are written once, never zeroed first.</summary>
    /// <exception cref="ArgumentException">A dimension is negative, the dtype is undefined, or the array is too large.</exception>
    /// <exception cref="OutOfMemoryException">The memory is not available.</exception>
    internal static MlxArray Allocate(int[] shape, Dtype dtype)
    {
        DtypeInfo.ThrowIfUndefined(dtype, nameof(dtype));
        return Create(ShapeMath.Validated(shape, nameof(shape)), dtype);
    }

    /// <summary>A gather's result: like <see cref="Allocate(int[], Dtype, Device)"/>, but <paramref name="shape"/>
    /// is a new array built from valid shapes, which the result takes over instead of checking and copying it.</summary>
    internal static MlxArray AllocateWithOwnedShape(int[] shape, Dtype dtype, Device device) =>
        device.Type == DeviceType.Cpu ? Create(shape, dtype) : Allocate(shape, dtype, device);

    /// <summary>Allocates a contiguous array for a shape this class owns and has validated.</summary>
    [MethodImpl(HotPath.Optimized)]
    private static MlxArray Create(int[] shape, Dtype dtype)
    {
        long size = ShapeMath.ElementCount(shape);
        long bytes = ShapeMath.ByteCount(size, DtypeInfo.SizeOf(dtype), shape);
        return new MlxArray(NativeBuffer.Allocate(bytes), dtype, shape, null, 0);
    }
}
