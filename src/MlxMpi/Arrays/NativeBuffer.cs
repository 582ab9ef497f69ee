using System.Runtime.CompilerServices;

namespace MlxMpi;

/// <summary>64-byte aligned native memory shared by an array and all of its views: host memory from
/// <see cref="BufferCache"/>, GPU memory through the shim's device hooks, or a caller's memory that MlxMpi neither
/// allocated nor frees (<see cref="ForExternalMemory"/>; its alignment is the caller's).</summary>
/// <remarks>
/// <para>Two counts guard the memory. The owner count is the number of live (undisposed) arrays that use the
/// buffer: an array and its views each hold one, so disposing the array a view was taken from keeps the memory
/// for the view. The reference count is the owners plus the leases (<see cref="BufferLease"/>) of native code
/// reading or writing the memory right now; when it reaches zero the memory is released, so a copy that is
/// running keeps the memory even if another thread disposes the last array meanwhile. Once the owners are gone,
/// no new lease or owner is granted.</para>
/// <para>Not a SafeHandle, on purpose: creating and disposing one costs about 50 ns (a finalizer registered and
/// suppressed each time), a fifth of an 8-byte gather. A host buffer instead goes back to <see cref="BufferCache"/>
/// with its memory, still registered for finalization, and the next array of its size class reuses it as it is.
/// Reuse bumps <see cref="Generation"/>, so an array disposed long ago cannot lease the memory's next user.
/// A buffer leaked without Dispose is finalized and frees its memory.</para>
/// </remarks>
internal sealed unsafe class NativeBuffer
{
    /// <summary>The alignment of every buffer: a cache line, and enough for any SIMD load and for MPI.</summary>
    public const int Alignment = 64;

    // Owners in the high 32 bits, owners plus leases in the low 32: one atomic add or compare-exchange changes
    // both, so disposing an array costs one interlocked operation, not two.
    private const long OneOwner = (1L << 32) + 1;
    private const long OneLease = 1;
    private byte* _base;
    private long _counts;
    private int _generation;
    // For a caller's memory: what keeps it valid (a pin, the caller's owner object), released with the last
    // reference instead of freeing the memory. Null for memory MlxMpi allocated.
    private readonly ExternalMemoryOwner? _external;

    private NativeBuffer(byte* memory, long capacity, Device device, ExternalMemoryOwner? external = null)
    {
        _base = memory;
        Capacity = capacity;
        Device = device;
        _external = external;
    }

    /// <summary>Where the memory is: host memory for the CPU, else device memory that the host must not touch.</summary>
    public Device Device { get; }

    /// <summary>True for host memory, which the host may read and write through <see cref="Base"/>.</summary>
    public bool IsHost
    {
        [MethodImpl(HotPath.Inlined)]
        get => Device.Type == DeviceType.Cpu;
    }

    /// <summary>The usable length of the current use; the memory may be larger (<see cref="Capacity"/>).</summary>
    public long ByteLength { [MethodImpl(HotPath.Inlined)] get; private set; }

    /// <summary>The size of the memory itself (its size class in <see cref="BufferCache"/> for host memory).</summary>
    public long Capacity { get; }

    /// <summary>Which use of this buffer an array belongs to: changes each time the cache hands the buffer out.</summary>
    public int Generation => Volatile.Read(ref _generation);

    /// <summary>True once every owner and lease of the current use is gone (the memory is no longer this use's).</summary>
    public bool IsReleased => References(Volatile.Read(ref _counts)) == 0;

    private static int Owners(long counts) => (int)(counts >> 32);

    private static int References(long counts) => (int)counts;

    /// <summary>The start of the memory; valid while an owner or a lease holds the buffer.</summary>
    public byte* Base => _base;

    /// <summary>Allocates <paramref name="byteLength"/> bytes, left uninitialised, with one owner.</summary>
    /// <exception cref="OutOfMemoryException">The memory is not available.</exception>
    [MethodImpl(HotPath.Optimized)]
    public static NativeBuffer Allocate(long byteLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteLength);
        if ((ulong)byteLength > nuint.MaxValue)
            throw new OutOfMemoryException($"{byteLength} bytes do not fit in this process's address space");
        // Empty arrays still get a real allocation: every array then has a valid, aligned, non-null base.
        var buffer = BufferCache.Rent(byteLength);
        buffer.BeginUse(byteLength);
        return buffer;
    }

    /// <summary>True for a caller's memory (<see cref="ForExternalMemory"/>), which is never freed or cached here.</summary>
    public bool IsExternal => _external is not null;

    /// <summary>
    /// A buffer over <paramref name="byteLength"/> bytes of a caller's host memory at <paramref name="memory"/>, with
    /// one owner. Nothing is copied; when the last owner and lease are gone, <paramref name="owner"/> is released (a pin
    /// undone, the caller's owner disposed) and the memory itself is left alone.
    /// </summary>
    internal static NativeBuffer ForExternalMemory(byte* memory, long byteLength, ExternalMemoryOwner owner)
    {
        var buffer = new NativeBuffer(memory, byteLength, Device.Cpu, owner);
        buffer.BeginUse(byteLength);
        return buffer;
    }

    /// <summary>True when the host memory of both buffers overlaps (two views of one caller's memory, say).
    /// Empty memory overlaps nothing but itself (every empty view of caller memory has the same dummy base).</summary>
    [MethodImpl(HotPath.Optimized)]
    public bool Overlaps(NativeBuffer other) =>
        ReferenceEquals(this, other) ||
        (IsHost && other.IsHost && ByteLength > 0 && other.ByteLength > 0 &&
         _base < other._base + other.ByteLength && other._base < _base + ByteLength);

    /// <summary>A new host buffer around memory that <see cref="BufferCache"/> just took from the system.</summary>
    internal static NativeBuffer ForHostMemory(byte* memory, long capacity) => new(memory, capacity, Device.Cpu);

    /// <summary>Allocates <paramref name="byteLength"/> bytes of memory on a GPU through the shim's device hooks.</summary>
    /// <exception cref="DistributedException">No runtime for the device, or the allocation failed.</exception>
    public static NativeBuffer AllocateOnDevice(Device device, long byteLength)
    {
        if (device.Type == DeviceType.Cpu)
            return Allocate(byteLength);
        ArgumentOutOfRangeException.ThrowIfNegative(byteLength);
        // A 0-byte device allocation is NULL: allocate at least one element's room so every array has a base.
        var capacity = Math.Max(byteLength, Alignment);
        var buffer = new NativeBuffer((byte*)Interop.DeviceRuntime.Allocate(device, capacity), capacity, device);
        buffer.BeginUse(byteLength);
        return buffer;
    }

    /// <summary>Starts a use with one owner. Only for a buffer nobody references (new, or taken from the cache).</summary>
    private void BeginUse(long byteLength)
    {
        ByteLength = byteLength;
        // Nobody can hold a reference now, so a plain write; the generation changes before the counts leave
        // zero (the volatile write below publishes both), so a stale lease that gets in after that sees the new
        // generation and backs out.
        _generation++;
        Volatile.Write(ref _counts, OneOwner);
    }

    /// <summary>Registers one more array that uses the buffer.</summary>
    /// <exception cref="ObjectDisposedException">The last owner has already gone.</exception>
    [MethodImpl(HotPath.Optimized)]
    public void AddOwner(int generation)
    {
        if (!TryAdd(OneOwner, generation))
            throw new ObjectDisposedException(nameof(MlxArray));
    }

    /// <summary>Unregisters an array; the memory is released once no lease is out either.</summary>
    public void RemoveOwner() => Drop(OneOwner);

    /// <summary>
    /// Takes a reference for native access to use <paramref name="generation"/> of the buffer; false when that use
    /// has ended (every owner gone, or the memory already handed to another array).
    /// </summary>
    public bool TryAddReference(int generation) => TryAdd(OneLease, generation);

    /// <summary>Drops a lease; the last reference gives the memory back (to the cache, or to the device runtime).</summary>
    public void Release() => Drop(OneLease);

    [MethodImpl(HotPath.Optimized)]
    private bool TryAdd(long amount, int generation)
    {
        long current = Volatile.Read(ref _counts);
        while (true)
        {
            // Never come back from zero owners: the memory may already be released, or someone else's.
            if (Owners(current) == 0)
                return false;
            long seen = Interlocked.CompareExchange(ref _counts, current + amount, current);
            if (seen == current)
                break;
            current = seen;
        }
        if (Volatile.Read(ref _generation) == generation)
            return true;
        Drop(amount);
        return false;
    }

    [MethodImpl(HotPath.Optimized)]
    private void Drop(long amount)
    {
        if (References(Interlocked.Add(ref _counts, -amount)) != 0)
            return;
        if (_external is not null)
        {
            // Never reused: a generation bump cannot make a caller's memory someone else's.
            _base = null;
            GC.SuppressFinalize(this);
            _external.Release();
            return;
        }
        if (IsHost)
        {
            BufferCache.Return(this);
            return;
        }
        Interop.DeviceRuntime.Free(Device, _base);
        _base = null;
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees host memory for good (the cache is full, or cleared) and stops the finalizer.</summary>
    internal void FreeHostMemory()
    {
        BufferCache.FreeToSystem(_base, Capacity);
        _base = null;
        GC.SuppressFinalize(this);
    }

    /// <summary>A buffer leaked without Dispose: nothing can reach its memory any more, so free it.</summary>
    ~NativeBuffer()
    {
        if (_base is null)
            return;
        if (_external is not null)
        {
            // Leaked without Dispose: the caller's memory is not ours to free, but the pin is ours to undo. The
            // caller's owner object may be finalized already, so it is left to its own finalizer.
            _external.ReleasePinOnly();
            return;
        }
        if (IsHost)
            BufferCache.FreeToSystem(_base, Capacity);
        else
            Interop.DeviceRuntime.Free(Device, _base);
    }
}
