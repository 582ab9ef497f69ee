namespace MlxMpi.Interop;

/// <summary>
/// The checked layer over the shim's device hooks: maps a <see cref="Device"/> to the shim's device kind (CUDA on
/// Linux, Metal on macOS) and turns every status into an exception.
/// </summary>
internal static unsafe class DeviceRuntime
{
    internal static int KindOf(Device device) => device.Type switch
    {
        DeviceType.Cpu => (int)mlxmpi_device_kind.MLXMPI_DEVICE_CPU,
        _ when OperatingSystem.IsMacOS() => (int)mlxmpi_device_kind.MLXMPI_DEVICE_METAL,
        _ => (int)mlxmpi_device_kind.MLXMPI_DEVICE_CUDA,
    };

    /// <summary>How many devices of that type exist; throws when no runtime for them can be loaded.</summary>
    internal static int Count(DeviceType type)
    {
        int count;
        NativeStatus.Check(NativeMethods.mlxmpi_device_count(KindOf(new Device(type)), &count));
        return count;
    }

    internal static void* Allocate(Device device, long bytes)
    {
        RequireExists(device);
        void* memory;
        NativeStatus.Check(NativeMethods.mlxmpi_device_alloc(KindOf(device), device.Index, bytes, &memory));
        return memory;
    }

    /// <summary>Frees device memory; used from SafeHandle release, so it reports failure instead of throwing.</summary>
    internal static bool Free(Device device, void* memory) =>
        NativeMethods.mlxmpi_device_free(KindOf(device), device.Index, memory) == (int)mlxmpi_status.MLXMPI_STATUS_OK;

    internal static void CopyToDevice(Device device, void* destination, void* sourceHost, long bytes, nint stream = 0) =>
        NativeStatus.Check(NativeMethods.mlxmpi_device_copy_to_device(KindOf(device), device.Index, destination, sourceHost, bytes, (void*)stream));

    internal static void CopyToHost(Device device, void* destinationHost, void* source, long bytes, nint stream = 0) =>
        NativeStatus.Check(NativeMethods.mlxmpi_device_copy_to_host(KindOf(device), device.Index, destinationHost, source, bytes, (void*)stream));

    private static void RequireExists(Device device)
    {
        var count = Count(device.Type);
        if (device.Index >= count)
            throw new ArgumentException($"{device} does not exist: this machine has {count} device(s) of that type", nameof(device));
    }
}
