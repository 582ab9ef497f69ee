using System.Runtime.InteropServices;
using MlxMpi.Interop;
using System.Runtime.CompilerServices;

namespace MlxMpi;

/// <summary>
/// Keeps freed host buffers for reuse, in size classes, as MLX's allocator does. A fresh allocation of a large
/// result page-faults on first touch (a 32 MiB result made a 16 MiB-per-rank gather about 4x slower than a reused
/// one), so a disposed array's buffer (the <see cref="NativeBuffer"/> object and its memory together) is handed to
/// the next array of a similar size instead of going back to the OS.
/// </summary>
/// <remarks>
/// Sizes are rounded up to one of four classes per power of two (at most 25% slack). The cache holds at most
/// <see cref="Limit"/> bytes (MLXMPI_BUFFER_CACHE_BYTES, default 1 GiB); memory past that is freed at once.
/// Memory of <see cref="HugePages.Size"/> or more is aligned to it and advised for transparent huge pages.
/// </remarks>
internal static unsafe class BufferCache
{
    internal const string LimitVariable = Runtime.MlxMpiSettings.BufferCacheBytesVariable;
    private const int ClassesPerOctave = 4;
    private const int SmallestClassBytes = NativeBuffer.Alignment;
    private const int MaxCachedPerClass = 64;

    // A spin lock, not Monitor: the critical sections are a few loads and stores, and an uncontended Monitor
    // enter/exit pair costs about 13 ns here, taken twice per gather result.
    private static int gate;
    private static readonly NativeBuffer?[][] Free = new NativeBuffer?[64 * ClassesPerOctave][];
    private static readonly int[] FreeCount = new int[64 * ClassesPerOctave];
    private static long cachedBytes;

    // A bad MLXMPI_BUFFER_CACHE_BYTES is reported by Distributed.Init; a type initializer must not throw.
    internal static long Limit { get; set; } = Runtime.MlxMpiSettings.InitialBufferCacheBytes();

    internal static long CachedBytes
    {
        get
        {
            Enter();
            var bytes = cachedBytes;
            Exit();
            return bytes;
        }
    }

    /// <summary>A buffer (not yet in use) of at least <paramref name="bytes"/> bytes, 64-byte aligned.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal static NativeBuffer Rent(long bytes)
    {
        var sizeClass = ClassOf(Math.Max(bytes, 1));
        Enter();
        if (FreeCount[sizeClass] > 0)
        {
            var slots = Free[sizeClass];
            var cached = slots[--FreeCount[sizeClass]]!;
            slots[FreeCount[sizeClass]] = null;
            cachedBytes -= cached.Capacity;
            Exit();
            return cached;
        }
        Exit();
        var capacity = CapacityOf(sizeClass);
        var alignment = capacity >= HugePages.Size ? HugePages.Size : NativeBuffer.Alignment;
        var memory = NativeMemory.AlignedAlloc((nuint)capacity, (nuint)alignment);
        if (alignment == HugePages.Size)
            HugePages.Advise(memory, capacity);
        // Without this the GC sees only small buffer objects and would not collect leaked arrays under memory
        // pressure. Told only when memory really comes from or goes back to the OS: a cache hit costs nothing.
        GC.AddMemoryPressure(capacity);
        return NativeBuffer.ForHostMemory((byte*)memory, capacity);
    }

    /// <summary>Takes back a buffer whose last reference is gone; frees its memory when the cache is full.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal static void Return(NativeBuffer buffer)
    {
        var sizeClass = ClassOf(buffer.Capacity);
        Enter();
        if (cachedBytes + buffer.Capacity <= Limit && FreeCount[sizeClass] < MaxCachedPerClass)
        {
            var slots = Free[sizeClass] ??= new NativeBuffer?[MaxCachedPerClass];
            slots[FreeCount[sizeClass]++] = buffer;
            cachedBytes += buffer.Capacity;
            Exit();
            return;
        }
        Exit();
        buffer.FreeHostMemory();
    }

    internal static void FreeToSystem(void* memory, long capacity)
    {
        NativeMemory.AlignedFree(memory);
        GC.RemoveMemoryPressure(capacity);
    }

    /// <summary>Frees every cached buffer (for tests and for callers that need the memory back now).</summary>
    internal static void Clear()
    {
        var dropped = new List<NativeBuffer>();
        Enter();
        for (var c = 0; c < Free.Length; c++)
        {
            while (FreeCount[c] > 0)
            {
                dropped.Add(Free[c][--FreeCount[c]]!);
                Free[c][FreeCount[c]] = null;
            }
        }
        cachedBytes = 0;
        Exit();
        foreach (var buffer in dropped)
            buffer.FreeHostMemory();
    }

    [MethodImpl(HotPath.Optimized)]
    private static void Enter()
    {
        if (Interlocked.CompareExchange(ref gate, 1, 0) == 0)
            return;
        var spinner = new SpinWait();
        while (Interlocked.CompareExchange(ref gate, 1, 0) != 0)
            spinner.SpinOnce();
    }

    private static void Exit() => Volatile.Write(ref gate, 0);

    /// <summary>The smallest class whose capacity holds <paramref name="bytes"/>.</summary>
    [MethodImpl(HotPath.Optimized)]
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
}
