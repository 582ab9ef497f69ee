using System.Runtime.InteropServices;

namespace MlxMpi;

/// <summary>64-byte aligned native memory shared by an array and all of its views.</summary>
/// <remarks>
/// <para>Two counts guard the memory. The owner count is the number of live (undisposed) arrays that use the
/// buffer: an array and its views each hold one, so disposing the array a view was taken from keeps the memory
/// for the view, and the last owner to go disposes the handle. It is separate from SafeHandle's own count
/// because SafeHandle refuses <see cref="SafeHandle.DangerousAddRef"/> once disposed, which would make a view
/// of a view impossible after the first array was disposed.</para>
/// <para>SafeHandle's count is used for the time of each native access (<see cref="BufferLease"/>): a copy
/// that is running keeps the memory even if another thread disposes the last array meanwhile. If arrays are
/// leaked without Dispose, the critical finalizer frees the memory once they are all unreachable.</para>
/// </remarks>
internal sealed unsafe class NativeBuffer : SafeHandle
{
    /// <summary>The alignment of every buffer: a cache line, and enough for any SIMD load and for MPI.</summary>
    public const int Alignment = 64;

    private int _owners = 1;

    private long _capacity;

    private NativeBuffer(long byteLength, Device device) : base(0, ownsHandle: true)
    {
        ByteLength = byteLength;
        Device = device;
    }

    /// <summary>Where the memory is: host memory for the CPU, else device memory that the host must not touch.</summary>
    public Device Device { get; }

    /// <summary>True for host memory, which the host may read and write through <see cref="Base"/>.</summary>
    public bool IsHost => Device.Type == DeviceType.Cpu;

    /// <summary>The usable length; the allocation may be larger (its size class in <see cref="BufferCache"/>).</summary>
    public long ByteLength { get; }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>Allocates <paramref name="byteLength"/> bytes, left uninitialised, with one owner.</summary>
    /// <exception cref="OutOfMemoryException">The memory is not available.</exception>
    public static NativeBuffer Allocate(long byteLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteLength);
        if ((ulong)byteLength > nuint.MaxValue)
            throw new OutOfMemoryException($"{byteLength} bytes do not fit in this process's address space");
        // The handle object exists before the memory so that no exception can leave the memory unowned.
        var buffer = new NativeBuffer(byteLength, Device.Cpu);
        // Empty arrays still get a real allocation: every array then has a valid, aligned, non-null base.
        void* memory = BufferCache.Rent(byteLength, out buffer._capacity);
        buffer.SetHandle((nint)memory);
        return buffer;
    }

    /// <summary>Allocates <paramref name="byteLength"/> bytes of memory on a GPU through the shim's device hooks.</summary>
    /// <exception cref="DistributedException">No runtime for the device, or the allocation failed.</exception>
    public static NativeBuffer AllocateOnDevice(Device device, long byteLength)
    {
        if (device.Type == DeviceType.Cpu)
            return Allocate(byteLength);
        ArgumentOutOfRangeException.ThrowIfNegative(byteLength);
        var buffer = new NativeBuffer(byteLength, device);
        // A 0-byte device allocation is NULL, and a handle of 0 counts as invalid: allocate at least one element's room.
        buffer.SetHandle((nint)Interop.DeviceRuntime.Allocate(device, Math.Max(byteLength, Alignment)));
        return buffer;
    }

    /// <summary>The start of the memory; valid while an owner or a lease holds the buffer.</summary>
    public byte* Base => (byte*)handle;

    /// <summary>Registers one more array that uses the buffer.</summary>
    /// <exception cref="ObjectDisposedException">The last owner has already gone.</exception>
    public void AddOwner()
    {
        int current = Volatile.Read(ref _owners);
        while (true)
        {
            // Never come back from zero: the handle may already be freed.
            ObjectDisposedException.ThrowIf(current == 0, this);
            int seen = Interlocked.CompareExchange(ref _owners, current + 1, current);
            if (seen == current)
                return;
            current = seen;
        }
    }

    /// <summary>Unregisters an array; the last one disposes the handle (freeing the memory once no lease is out).</summary>
    public void RemoveOwner()
    {
        if (Interlocked.Decrement(ref _owners) == 0)
            Dispose();
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        if (!IsHost)
            return Interop.DeviceRuntime.Free(Device, (void*)handle);
        BufferCache.Return((void*)handle, _capacity);
        return true;
    }
}
