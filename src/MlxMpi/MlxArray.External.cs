using System.Buffers;
using System.Runtime.InteropServices;

namespace MlxMpi;

public sealed unsafe partial class MlxArray
{
    // The base of every empty view: a fixed span of an empty array has a null address, and every array has a
    // non-null base. Nothing is ever read or written through it.
    private static readonly byte* EmptyViewBase = (byte*)NativeMemory.AlignedAlloc(NativeBuffer.Alignment, NativeBuffer.Alignment);

    /// <summary>
    /// An array over <paramref name="shape"/>'s elements of <paramref name="dtype"/> at <paramref name="data"/>, in the
    /// caller's memory (a native buffer, or managed memory the caller has pinned): no copy. Gathers read it in place,
    /// and <see cref="Distributed.AllGatherInto(MlxArray, MlxArray, Group?, Stream?)"/> writes a result straight into it.
    /// </summary>
    /// <remarks>
    /// <para>Lifetime: the memory must stay valid, and managed memory pinned, until this array and every view made from
    /// it (<see cref="Reshape"/>, <see cref="Transpose"/>, and the result of a gather on a group of one, which is the
    /// input itself) are disposed, and until every async gather started with it has completed. MlxMpi never frees the
    /// memory; when the last of those is gone it disposes <paramref name="owner"/>, if given, so the caller can free or
    /// unpin there. An array leaked without Dispose does not dispose the owner (its finalizer cannot safely run the
    /// caller's code); dispose arrays over caller memory deterministically.</para>
    /// <para>Unlike arrays MlxMpi allocates, the elements can change under the array: writes by the caller are seen by
    /// every view, and a gather that runs while the caller writes reads a mix. The caller orders its writes before the
    /// call that reads them.</para>
    /// </remarks>
    /// <param name="data">The first element, aligned to the element size; may be 0 only when the shape has no elements.</param>
    /// <param name="dtype">The element type.</param>
    /// <param name="shape">The shape; the memory holds the product of it elements, contiguous, row-major.</param>
    /// <param name="owner">Disposed once nothing uses the memory any more; null when the caller manages that itself.</param>
    /// <exception cref="ArgumentException">The pointer is null or misaligned, the dtype is undefined, or a dimension is negative.</exception>
    public static MlxArray FromPointer(nint data, Dtype dtype, int[] shape, IDisposable? owner = null)
    {
        DtypeInfo.ThrowIfUndefined(dtype, nameof(dtype));
        var dims = ShapeMath.Validated(shape ?? throw new ArgumentNullException(nameof(shape)), nameof(shape));
        var size = ShapeMath.ElementCount(dims);
        var elementSize = DtypeInfo.SizeOf(dtype);
        if (data == 0 && size != 0)
            throw new ArgumentException($"the data pointer is null but shape {ShapeMath.Format(dims)} holds {size} elements", nameof(data));
        if (data % elementSize != 0)
            throw new ArgumentException($"the data pointer 0x{data:x} is not aligned to the {elementSize}-byte elements of {DtypeInfo.NameOf(dtype)}", nameof(data));
        return OverExternal((byte*)data, dtype, dims, null, ShapeMath.ByteCount(size, elementSize, dims), new ExternalMemoryOwner(default, owner));
    }

    /// <summary>
    /// An array over the elements of <paramref name="memory"/> (an array, a slice of one, or a MemoryManager's memory)
    /// with <paramref name="shape"/>: no copy. The memory is pinned until this array and every view of it are disposed
    /// (see <see cref="FromPointer"/> for the lifetime rules, which apply here too); the caller's writes are seen.
    /// </summary>
    /// <param name="memory">The elements, row-major; its element type chooses the <see cref="MlxMpi.Dtype"/>.</param>
    /// <param name="shape">The shape, whose element count must equal <c>memory.Length</c>; none makes a 1-d array.</param>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not an element type, a dimension is negative, or
    /// the shape holds a different number of elements.</exception>
    public static MlxArray FromMemory<T>(Memory<T> memory, params int[] shape) where T : unmanaged
    {
        var dtype = DtypeInfo.Of<T>();
        int[] dims = shape is null || shape.Length == 0 ? [memory.Length] : ShapeMath.Validated(shape, nameof(shape));
        var size = ShapeMath.ElementCount(dims);
        if (size != memory.Length)
            throw new ArgumentException($"shape {ShapeMath.Format(dims)} holds {size} elements but the memory has {memory.Length}", nameof(shape));
        var pin = memory.Pin();
        try
        {
            return OverExternal((byte*)pin.Pointer, dtype, dims, null, size * sizeof(T), new ExternalMemoryOwner(pin, null));
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A view of memory the caller keeps valid and pinned for as long as the view is undisposed (the span and tensor
    /// overloads: for the duration of one call, inside a fixed block). <paramref name="shape"/> must be valid and is
    /// taken over; null <paramref name="strides"/> means row-major. <paramref name="byteLength"/> covers every element
    /// the strides reach.
    /// </summary>
    internal static MlxArray ViewOfPinned(byte* data, Dtype dtype, int[] shape, long[]? strides, long byteLength) =>
        OverExternal(data, dtype, shape, strides, byteLength, new ExternalMemoryOwner(default, null));

    private static MlxArray OverExternal(byte* data, Dtype dtype, int[] shape, long[]? strides, long byteLength, ExternalMemoryOwner owner)
    {
        var buffer = NativeBuffer.ForExternalMemory(data is null ? EmptyViewBase : data, byteLength, owner);
        return new MlxArray(buffer, dtype, shape, strides, 0);
    }
}
