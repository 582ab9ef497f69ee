namespace MlxMpi;

public sealed unsafe partial class MlxArray
{
    /// <summary>
    /// A copy of the array on <paramref name="device"/>, contiguous, with the same values (a new handle on the same
    /// memory when it is already there). GPU arrays live in device memory reached through the shim's device hooks
    /// (CUDA's libcudart loaded at run time; Metal on macOS); reading one (<see cref="ToArray{T}"/>,
    /// <see cref="CopyTo{T}"/>) copies it to the host first.
    /// </summary>
    /// <exception cref="DistributedException">No runtime for the device can be loaded, or a device call failed.</exception>
    /// <exception cref="ArgumentException">The device does not exist.</exception>
    public MlxArray ToDevice(Device device)
    {
        ThrowIfDisposed();
        if (device == _buffer.Device)
            return View((int[])_shape.Clone(), (long[]?)_strides?.Clone());
        if (device.Type == DeviceType.Cpu)
            return ToHostCopy();

        // To a GPU: from contiguous host memory as it is, else through a packed host copy.
        using var packedHost = _buffer.IsHost && IsContiguous ? null : ToHostCopy();
        var source = packedHost ?? this;
        var buffer = NativeBuffer.AllocateOnDevice(device, NBytes);
        try
        {
            using var lease = source.AcquireData();
            Interop.DeviceRuntime.CopyToDevice(device, buffer.Base, source.DataPointer, NBytes);
            return new MlxArray(buffer, _dtype, (int[])_shape.Clone(), null, 0);
        }
        catch
        {
            buffer.RemoveOwner();
            throw;
        }
    }

    /// <summary>The array on the CPU: <c>ToDevice(Device.Cpu)</c>.</summary>
    public MlxArray ToHost() => ToDevice(Device.Cpu);

    /// <summary>A contiguous host copy of the logical values, from host or device memory.</summary>
    internal MlxArray ToHostCopy()
    {
        var copy = Create((int[])_shape.Clone(), _dtype);
        try
        {
            CopyElements(0, _size, copy._buffer.Base);
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>A new contiguous array on <paramref name="device"/> with uninitialised contents (a gather's result).</summary>
    internal static MlxArray Allocate(int[] shape, Dtype dtype, Device device)
    {
        if (device.Type == DeviceType.Cpu)
            return Allocate(shape, dtype);
        DtypeInfo.ThrowIfUndefined(dtype, nameof(dtype));
        var validated = ShapeMath.Validated(shape, nameof(shape));
        var size = ShapeMath.ElementCount(validated);
        var buffer = NativeBuffer.AllocateOnDevice(device, ShapeMath.ByteCount(size, DtypeInfo.SizeOf(dtype), validated));
        return new MlxArray(buffer, dtype, validated, null, 0);
    }
}
