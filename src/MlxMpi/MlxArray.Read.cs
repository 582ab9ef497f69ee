namespace MlxMpi;

public sealed unsafe partial class MlxArray
{
    /// <summary>A managed copy of the elements in row-major order.</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not the element type of <see cref="Dtype"/>.</exception>
    /// <exception cref="InvalidOperationException">The array has more elements than a .NET array can hold; read it
    /// in parts with <see cref="CopyTo{T}"/>.</exception>
    public T[] ToArray<T>() where T : unmanaged
    {
        ThrowIfDisposed();
        DtypeInfo.ThrowIfMismatch<T>(_dtype, nameof(ToArray));
        if (_size > Array.MaxLength)
        {
            throw new InvalidOperationException(
                $"an array of {_size} elements does not fit in a .NET array; read it in parts with CopyTo");
        }
        // Every element is overwritten below, so zeroing first would only cost time.
        var result = GC.AllocateUninitializedArray<T>((int)_size);
        fixed (T* destination = result)
            CopyElements(0, _size, (byte*)destination);
        return result;
    }

    /// <summary>The single element of an array with exactly one element (of any number of dimensions).</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not the element type of <see cref="Dtype"/>.</exception>
    /// <exception cref="InvalidOperationException">The array does not have exactly one element.</exception>
    public T Item<T>() where T : unmanaged
    {
        ThrowIfDisposed();
        DtypeInfo.ThrowIfMismatch<T>(_dtype, nameof(Item));
        if (_size != 1)
        {
            throw new InvalidOperationException(
                $"Item needs an array of exactly one element; this one has shape {ShapeMath.Format(_shape)}");
        }
        T value;
        CopyElements(0, 1, (byte*)&value);
        return value;
    }

    /// <summary>Copies elements, in row-major order, starting at logical element <paramref name="sourceOffset"/>,
    /// into <paramref name="destination"/>: as many as fit, or as many as remain. Reading in parts this way
    /// works for arrays of more than 2^31 elements.</summary>
    /// <param name="destination">Receives min(<c>destination.Length</c>, <see cref="Size"/> - sourceOffset) elements.</param>
    /// <param name="sourceOffset">The row-major index of the first element to copy, from 0 to <see cref="Size"/>.</param>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not the element type of <see cref="Dtype"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sourceOffset"/> is negative or beyond <see cref="Size"/>.</exception>
    public void CopyTo<T>(Span<T> destination, long sourceOffset = 0) where T : unmanaged
    {
        ThrowIfDisposed();
        DtypeInfo.ThrowIfMismatch<T>(_dtype, nameof(CopyTo));
        if (sourceOffset < 0 || sourceOffset > _size)
        {
            throw new ArgumentOutOfRangeException(nameof(sourceOffset), sourceOffset,
                $"the offset must be between 0 and the array's size, {_size}");
        }
        long count = Math.Min(destination.Length, _size - sourceOffset);
        fixed (T* target = destination)
            CopyElements(sourceOffset, count, (byte*)target);
    }
}
