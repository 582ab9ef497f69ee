namespace MlxMpi;

/// <summary>Copies a run of an array's elements, in logical row-major order, out of any strided layout.</summary>
/// <remarks>
/// Dimensions that are laid out back to back are merged first, so a contiguous array (or a contiguous
/// stretch) becomes one memcpy and a transposed matrix becomes two dimensions however many it had. The
/// innermost merged dimension is then copied as whole rows, a memcpy when its stride is 1 and a tight typed
/// loop otherwise, or in cache-line tiles of rows when the rows are the finer walk (a transpose); the outer
/// dimensions advance like an odometer, so no per-element index arithmetic is done.
/// Offsets and counts are 64-bit throughout.
/// </remarks>
internal static unsafe class StridedCopy
{
    // Arrays rarely have more dimensions than this; more fall back to the heap.
    private const int StackDimensions = 16;

    // A tile is one cache line of rows by a few columns. Few, because with a power-of-two column stride every
    // column's line maps to the same L1 set, and 8 lines still fit its ways (measured: 4096 x 4096 float32
    // transposed copies about 6x faster than row by row; wider tiles were no faster and slower at 4096).
    private const int TileBytes = 64;
    private const int TileColumns = 8;

    /// <summary>Copies logical elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>)
    /// to <paramref name="destination"/>, packed.</summary>
    /// <param name="origin">The address of the element whose indices are all 0.</param>
    /// <param name="shape">The array's shape.</param>
    /// <param name="strides">Element strides, one per dimension, none negative.</param>
    /// <param name="elementSize">Bytes per element: 1, 2, 4 or 8.</param>
    /// <param name="start">The first logical element to copy; the caller checks it is in range.</param>
    /// <param name="count">How many elements to copy; the caller checks the range ends inside the array.</param>
    /// <param name="destination">Where to write count * elementSize bytes.</param>
    public static void Copy(byte* origin, ReadOnlySpan<int> shape, ReadOnlySpan<long> strides, int elementSize,
                            long start, long count, byte* destination)
    {
        if (count <= 0)
            return;
        int ndim = shape.Length;
        Span<long> extents = ndim <= StackDimensions ? stackalloc long[StackDimensions] : new long[ndim];
        Span<long> steps = ndim <= StackDimensions ? stackalloc long[StackDimensions] : new long[ndim];
        int rank = Merge(shape, strides, extents, steps);

        if (rank == 0 || rank == 1 && steps[0] == 1)
        {
            // Contiguous: a rank of 0 is a single element, and then start is 0.
            long bytes = count * elementSize;
            Buffer.MemoryCopy(origin + start * elementSize, destination, bytes, bytes);
            return;
        }

        int inner = rank - 1;
        long rowLength = extents[inner];
        long rowStep = steps[inner];
        Span<long> index = inner <= StackDimensions ? stackalloc long[StackDimensions] : new long[inner];

        // Locate start once; afterwards only increments happen.
        long column = start % rowLength;
        long rest = start / rowLength;
        long rowOffset = 0;
        for (int d = inner - 1; d >= 0; d--)
        {
            index[d] = rest % extents[d];
            rest /= extents[d];
            rowOffset += index[d] * steps[d];
        }

        while (true)
        {
            if (column == 0 && inner > 0 && TryCopyTile(origin, extents, steps, index, inner, rowOffset, count,
                                                          elementSize, destination, out long rows))
            {
                long copied = rows * rowLength;
                destination += copied * elementSize;
                count -= copied;
                if (count == 0)
                    return;
                // The tile stayed inside dimension inner - 1, so all but the last row step need no carry.
                index[inner - 1] += rows - 1;
                rowOffset += (rows - 1) * steps[inner - 1];
                NextRow(extents, steps, index, inner, ref rowOffset);
                continue;
            }
            long run = Math.Min(rowLength - column, count);
            CopyRow(origin + (rowOffset + column * rowStep) * elementSize, rowStep, run, elementSize, destination);
            destination += run * elementSize;
            count -= run;
            if (count == 0)
                return;
            column = 0;
            NextRow(extents, steps, index, inner, ref rowOffset);
        }
    }

    /// <summary>Moves to the next row like an odometer. Elements remain, so some outer dimension can still
    /// advance before d drops below 0.</summary>
    private static void NextRow(ReadOnlySpan<long> extents, ReadOnlySpan<long> steps, Span<long> index, int inner,
                                ref long rowOffset)
    {
        for (int d = inner - 1; ; d--)
        {
            rowOffset += steps[d];
            if (++index[d] < extents[d])
                return;
            rowOffset -= steps[d] * extents[d];
            index[d] = 0;
        }
    }

    /// <summary>Copies a block of whole rows at once when rows walk memory more finely than columns do (the
    /// transpose case). Row by row, each element would come from a different cache line; a block of
    /// <see cref="TileBytes"/> / elementSize rows reads every fetched line completely before moving on.</summary>
    private static bool TryCopyTile(byte* origin, ReadOnlySpan<long> extents, ReadOnlySpan<long> steps,
                                    ReadOnlySpan<long> index, int inner, long rowOffset, long count,
                                    int elementSize, byte* destination, out long rows)
    {
        rows = TileBytes / elementSize;
        int outer = inner - 1;
        long rowLength = extents[inner];
        long columnStep = steps[inner];
        long rowStep = steps[outer];
        if (rowStep >= columnStep || count < rows * rowLength || index[outer] + rows > extents[outer])
            return false;
        byte* source = origin + rowOffset * elementSize;
        switch (elementSize)
        {
            case 1: Tile(source, rowStep, columnStep, (int)rows, rowLength, destination); break;
            case 2: Tile((ushort*)source, rowStep, columnStep, (int)rows, rowLength, (ushort*)destination); break;
            case 4: Tile((uint*)source, rowStep, columnStep, (int)rows, rowLength, (uint*)destination); break;
            case 8: Tile((ulong*)source, rowStep, columnStep, (int)rows, rowLength, (ulong*)destination); break;
            default: throw new ArgumentOutOfRangeException(nameof(elementSize), elementSize, "no dtype has this size");
        }
        return true;
    }

    private static void Tile<T>(T* source, long rowStep, long columnStep, int rows, long rowLength, T* destination)
        where T : unmanaged
    {
        for (long first = 0; first < rowLength; first += TileColumns)
        {
            long last = Math.Min(rowLength, first + TileColumns);
            for (int row = 0; row < rows; row++)
            {
                T* from = source + row * rowStep + first * columnStep;
                T* to = destination + row * rowLength + first;
                for (long column = first; column < last; column++)
                {
                    *to++ = *from;
                    from += columnStep;
                }
            }
        }
    }

    /// <summary>Drops length-1 dimensions and merges each dimension into the one before it when the pair walks
    /// memory like a single dimension would. Returns the number of dimensions left.</summary>
    private static int Merge(ReadOnlySpan<int> shape, ReadOnlySpan<long> strides, Span<long> extents, Span<long> steps)
    {
        int rank = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1)
                continue;
            if (rank > 0 && steps[rank - 1] == strides[d] * shape[d])
            {
                extents[rank - 1] *= shape[d];
                steps[rank - 1] = strides[d];
                continue;
            }
            extents[rank] = shape[d];
            steps[rank] = strides[d];
            rank++;
        }
        return rank;
    }

    private static void CopyRow(byte* source, long step, long count, int elementSize, byte* destination)
    {
        if (step == 1)
        {
            long bytes = count * elementSize;
            Buffer.MemoryCopy(source, destination, bytes, bytes);
            return;
        }
        switch (elementSize)
        {
            case 1: Gather((byte*)source, step, count, destination); break;
            case 2: Gather((ushort*)source, step, count, (ushort*)destination); break;
            case 4: Gather((uint*)source, step, count, (uint*)destination); break;
            case 8: Gather((ulong*)source, step, count, (ulong*)destination); break;
            default: throw new ArgumentOutOfRangeException(nameof(elementSize), elementSize, "no dtype has this size");
        }
    }

    // Elements are copied as same-sized integers: no dtype's bits are interpreted, so NaN payloads survive.
    private static void Gather<T>(T* source, long step, long count, T* destination) where T : unmanaged
    {
        for (long i = 0; i < count; i++)
        {
            destination[i] = *source;
            source += step;
        }
    }
}
