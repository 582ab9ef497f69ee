using System.Collections.ObjectModel;
using System.Runtime.CompilerServices;

namespace MlxMpi;

/// <summary>An n-dimensional array of one <see cref="MlxMpi.Dtype"/>, as MLX's <c>mx.array</c>: the value that
/// <see cref="Distributed.AllGather(MlxArray, Group?, Stream?)"/> gathers.</summary>
/// <remarks>
/// <para>Elements live in native memory (64-byte aligned), not on the managed heap, so arrays can hold more than
/// 2^31 elements and native code reads them in place. Dispose an array to free its memory promptly; views made
/// by <see cref="Reshape"/> and <see cref="Transpose"/> share that memory and keep it alive until they are
/// disposed too. Every member except <see cref="Dispose"/> throws <see cref="ObjectDisposedException"/> once
/// the array is disposed.</para>
/// <para>An array is a strided view of its memory: a shape, strides in elements and an element offset. Element
/// order in every copy in or out (<see cref="FromArray{T}"/>, <see cref="ToArray{T}"/>,
/// <see cref="CopyTo{T}"/>) is logical row-major (C) order whatever the strides. Arrays have no operations that
/// change elements, so views never observe writes, except in memory the caller owns (<see cref="FromPointer"/>,
/// <see cref="FromMemory{T}"/>, <see cref="FromTensor{T}"/>) or writes through <see cref="AsTensorSpan{T}"/>.</para>
/// <para>Members may be called from several threads at once; disposing while another thread copies is safe
/// (the copy finishes or throws <see cref="ObjectDisposedException"/>).</para>
/// </remarks>
public sealed unsafe partial class MlxArray : IDisposable
{
    private readonly NativeBuffer _buffer;
    private readonly int _generation;
    private readonly int[] _shape;
    // Null for a contiguous row-major layout (every array that is not a strided view): a gather's result then
    // costs one shape array, not also a strides array. StridesArray computes them on demand.
    private long[]? _strides;
    private readonly long _offset;
    private readonly long _size;
    private readonly Dtype _dtype;
    private ReadOnlyCollection<int>? _shapeView;
    private int _disposed;

    /// <summary>Wraps <paramref name="buffer"/>, whose owner count already includes this array. Null
    /// <paramref name="strides"/> means row-major.</summary>
    [MethodImpl(HotPath.Optimized)]
    private MlxArray(NativeBuffer buffer, Dtype dtype, int[] shape, long[]? strides, long offset)
    {
        _buffer = buffer;
        _generation = buffer.Generation;
        _dtype = dtype;
        _shape = shape;
        _strides = strides;
        _offset = offset;
        _size = ShapeMath.ElementCount(shape);
    }

    /// <summary>The element type.</summary>
    public Dtype Dtype
    {
        get { ThrowIfDisposed(); return _dtype; }
    }

    /// <summary>The length of each dimension; empty for a 0-d (scalar) array.</summary>
    public IReadOnlyList<int> Shape
    {
        get { ThrowIfDisposed(); return _shapeView ??= Array.AsReadOnly(_shape); }
    }

    /// <summary>The number of dimensions.</summary>
    public int Ndim
    {
        get { ThrowIfDisposed(); return _shape.Length; }
    }

    /// <summary>The number of elements: the product of <see cref="Shape"/> (1 for a 0-d array).</summary>
    public long Size
    {
        get { ThrowIfDisposed(); return _size; }
    }

    /// <summary>The bytes the elements take when packed: <see cref="Size"/> times the element size.</summary>
    public long NBytes
    {
        [MethodImpl(HotPath.Inlined)]
        get { ThrowIfDisposed(); return _size * ElementSize; }
    }

    /// <summary>The device the array lives on: <see cref="Device.Cpu"/> unless made by <see cref="ToDevice"/> or gathered
    /// from a GPU array.</summary>
    public Device Device
    {
        get { ThrowIfDisposed(); return _buffer.Device; }
    }

    /// <summary>Releases this array's hold on its memory; the memory is freed when no view still uses it.
    /// Calling it again does nothing.</summary>
    [MethodImpl(HotPath.Optimized)]
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            _buffer.RemoveOwner();
    }

    /// <summary>Describes the array as MLX's repr does without its values, e.g.
    /// <c>array(shape=(2, 3), dtype=float32)</c>; a disposed array says so instead of throwing.</summary>
    public override string ToString() =>
        IsDisposed
            ? "array(disposed)"
            : $"array(shape={ShapeMath.Format(_shape)}, dtype={DtypeInfo.NameOf(_dtype)})";

    // ---- Internal surface for the Distributed facade and the interop layer. ----

    /// <summary>True once <see cref="Dispose"/> has been called.</summary>
    internal bool IsDisposed
    {
        [MethodImpl(HotPath.Inlined)]
        get => Volatile.Read(ref _disposed) != 0;
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> if the array has been disposed.</summary>
    [MethodImpl(HotPath.Inlined)]
    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    /// <summary>Bytes per element.</summary>
    internal int ElementSize
    {
        [MethodImpl(HotPath.Inlined)]
        get => DtypeInfo.SizeOf(_dtype);
    }

    /// <summary>The shape itself, not a copy: callers must not change it.</summary>
    internal int[] ShapeArray
    {
        get { ThrowIfDisposed(); return _shape; }
    }

    /// <summary>The strides in elements, one per dimension, not a copy.</summary>
    internal long[] StridesArray
    {
        get { ThrowIfDisposed(); return Strides; }
    }

    /// <summary>The strides, made on first use for a row-major array (a benign race: every thread makes the same).</summary>
    private long[] Strides => _strides ??= ShapeMath.RowMajorStrides(_shape);

    /// <summary>Where the first logical element is, in elements from the start of the memory.</summary>
    internal long ElementOffset
    {
        get { ThrowIfDisposed(); return _offset; }
    }

    /// <summary>True when the elements lie in row-major order without gaps, so <see cref="DataPointer"/> and
    /// <see cref="NBytes"/> describe them as one block. Empty and 1-element arrays always do.</summary>
    internal bool IsContiguous
    {
        [MethodImpl(HotPath.Inlined)]
        get { ThrowIfDisposed(); return _strides is null || ShapeMath.IsRowMajor(_shape, _strides); }
    }

    /// <summary>The address of the first logical element.</summary>
    /// <remarks>The pointer is only valid while the array (or a view of its memory) is alive and undisposed:
    /// keep the array reachable (<see cref="GC.KeepAlive"/>) until native code is done with it, or take
    /// <see cref="AcquireData"/> to also survive a concurrent Dispose.</remarks>
    internal byte* DataPointer
    {
        [MethodImpl(HotPath.Inlined)]
        get { ThrowIfDisposed(); return _buffer.Base + _offset * ElementSize; }
    }

    /// <summary>True when both arrays are views of the same memory (MPI forbids overlapping send and receive buffers).
    /// Views of a caller's memory (<see cref="FromPointer"/>) are separate buffers, so address ranges are compared too.</summary>
    internal bool SharesMemoryWith(MlxArray other) => _buffer.Overlaps(other._buffer);

    /// <summary>Holds the memory until the lease is disposed, even across a concurrent <see cref="Dispose"/>.
    /// <see cref="BufferLease.Base"/> plus <see cref="ElementOffset"/> elements is the first logical element.</summary>

    [MethodImpl(HotPath.Optimized)]
    internal BufferLease AcquireData()
    {
        ThrowIfDisposed();
        return new BufferLease(_buffer, _generation);
    }

    /// <summary>Writes the <see cref="NBytes"/> bytes of the elements, in logical row-major order, whatever the
    /// strides: one memcpy when contiguous.</summary>
    internal void CopyLogicalBytesTo(byte* destination) => CopyElements(0, _size, destination);

    /// <summary>Copies logical elements [start, start + count) to destination under a lease.</summary>
    [MethodImpl(HotPath.Optimized)]
    private void CopyElements(long start, long count, byte* destination)
    {
        ThrowIfDisposed();
        using var lease = new BufferLease(_buffer, _generation);
        int elementSize = ElementSize;
        if (_buffer.IsHost)
        {
            if (_strides is null)
            {
                // Row-major: one block copy, without making the strides.
                Buffer.MemoryCopy(lease.Base + (_offset + start) * elementSize, destination, count * elementSize, count * elementSize);
                return;
            }
            StridedCopy.Copy(lease.Base + _offset * elementSize, _shape, _strides, elementSize, start, count, destination);
            return;
        }
        // Device memory is not readable from the host: bring the whole allocation over, then read it as usual.
        var host = NativeBuffer.Allocate(_buffer.ByteLength);
        try
        {
            Interop.DeviceRuntime.CopyToHost(_buffer.Device, host.Base, lease.Base, _buffer.ByteLength);
            StridedCopy.Copy(host.Base + _offset * elementSize, _shape, Strides, elementSize, start, count, destination);
        }
        finally
        {
            host.RemoveOwner();
        }
    }

    /// <summary>A new array over the same memory with another layout.</summary>
    private MlxArray View(int[] shape, long[]? strides)
    {
        _buffer.AddOwner(_generation);
        return new MlxArray(_buffer, _dtype, shape, strides, _offset);
    }
}
