using System.Runtime.InteropServices;

namespace MlxMpi;

/// <summary>
/// Keeps freed array memory for reuse, in size classes, as MLX's allocator does. A fresh allocation of a large
/// result page-faults on first touch (a 32 MiB result made a 16 MiB-per-rank gather about 4x slower than a reused
/// one), so a disposed array's memory is handed to the next array of a similar size instead of going back to the OS.
/// </summary>
/// <remarks>
/// Sizes are rounded up to one of four classes per power of two (at most 25% slack). The cache holds at most
/// <see cref="Limit"/> bytes (MLXMPI_BUFFER_CACHE_BYTES, default 1 GiB); memory past that is freed at once.
/// </remarks>
internal static unsafe class BufferCache
{
    internal const string LimitVariable = "MLXMPI_BUFFER_CACHE_BYTES";
    private const int ClassesPerOctave = 4;
    private const int SmallestClassBytes = NativeBuffer.Alignment;
    private const int MaxCachedPerClass = 64;

    private static readonly object Gate = new();
    private static readonly nint[][] Free = new nint[64 * ClassesPerOctave][];
    private static readonly int[] FreeCount = new int[64 * ClassesPerOctave];
    private static long cachedBytes;

    internal static long Limit { get; set; } = ReadLimit();

    internal static long CachedBytes
    {
        get { lock (Gate) return cachedBytes; }
    }

    /// <summary>Memory of at least <paramref name="bytes"/> bytes, 64-byte aligned; <paramref name="capacity"/> is what to return.</summary>
    internal static void* Rent(long bytes, out long capacity)
    {
        var sizeClass = ClassOf(Math.Max(bytes, 1));
        capacity = CapacityOf(sizeClass);
        lock (Gate)
        {
            if (FreeCount[sizeClass] > 0)
            {
                cachedBytes -= capacity;
                return (void*)Free[sizeClass][--FreeCount[sizeClass]];
            }
        }
        var memory = NativeMemory.AlignedAlloc((nuint)capacity, NativeBuffer.Alignment);
        // Without this the GC sees only small handle objects and would not collect leaked arrays under memory
        // pressure. Told only when memory really comes from or goes back to the OS: a cache hit costs nothing.
        GC.AddMemoryPressure(capacity);
        return memory;
    }

    /// <summary>Takes back memory from <see cref="Rent"/>; frees it when the cache is full.</summary>
    internal static void Return(void* memory, long capacity)
    {
        var sizeClass = ClassOf(capacity);
        lock (Gate)
        {
            if (cachedBytes + capacity <= Limit && FreeCount[sizeClass] < MaxCachedPerClass)
            {
                var slots = Free[sizeClass] ??= new nint[MaxCachedPerClass];
                slots[FreeCount[sizeClass]++] = (nint)memory;
                cachedBytes += capacity;
                return;
            }
        }
        FreeToSystem(memory, capacity);
    }

    private static void FreeToSystem(void* memory, long capacity)
    {
        NativeMemory.AlignedFree(memory);
        GC.RemoveMemoryPressure(capacity);
    }

    /// <summary>Frees every cached block (for tests and for callers that need the memory back now).</summary>
    internal static void Clear()
    {
        lock (Gate)
        {
            for (var c = 0; c < Free.Length; c++)
            {
                while (FreeCount[c] > 0)
                    FreeToSystem((void*)Free[c][--FreeCount[c]], CapacityOf(c));
            }
            cachedBytes = 0;
        }
    }

    /// <summary>The smallest class whose capacity holds <paramref name="bytes"/>.</summary>
    internal static int ClassOf(long bytes)
    {
        if (bytes <= SmallestClassBytes)
            return 0;
        // Octave o covers (2^o, 2^(o+1)]; within it, quarter steps of 2^(o-2).
        var octave = 63 - (int)ulong.LeadingZeroCount((ulong)(bytes - 1));
        var step = 1L << Math.Max(octave - 2, 0);
        var quarter = (int)((bytes - 1 - (1L << octave)) / step);
        return (octave - 6) * ClassesPerOctave + quarter + 1;
    }

    internal static long CapacityOf(int sizeClass)
    {
        if (sizeClass == 0)
            return SmallestClassBytes;
        var octave = (sizeClass - 1) / ClassesPerOctave + 6;
        var quarter = (sizeClass - 1) % ClassesPerOctave;
        return (1L << octave) + (quarter + 1) * (1L << (octave - 2));
    }

    private static long ReadLimit()
    {
        var text = Environment.GetEnvironmentVariable(LimitVariable);
        return long.TryParse(text, out var limit) && limit >= 0 ? limit : 1L << 30;
    }
}
