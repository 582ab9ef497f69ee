namespace MlxMpi;

/// <summary>The kind of processor a <see cref="Device"/> names.</summary>
public enum DeviceType
{
    /// <summary>The host CPU; arrays live in ordinary (64-byte aligned) native memory.</summary>
    Cpu = 0,
    /// <summary>A GPU (CUDA, or Metal on Apple silicon); arrays live in device memory.</summary>
    Gpu = 1,
}

/// <summary>Where an array lives and where work on it runs, as MLX's <c>mx.Device</c>.</summary>
/// <param name="Type">The kind of processor.</param>
/// <param name="Index">Which processor of that kind, from 0.</param>
public readonly record struct Device(DeviceType Type, int Index = 0)
{
    /// <summary>The kind of processor.</summary>
    public DeviceType Type { get; init; } = Type is DeviceType.Cpu or DeviceType.Gpu
        ? Type
        : throw new ArgumentOutOfRangeException(nameof(Type), Type, "not a DeviceType value");

    /// <summary>Which processor of that kind, from 0.</summary>
    public int Index { get; init; } = Index >= 0
        ? Index
        : throw new ArgumentOutOfRangeException(nameof(Index), Index, "a device index cannot be negative");

    /// <summary>The host CPU. <c>default(Device)</c> is the same device.</summary>
    public static Device Cpu { get; } = new(DeviceType.Cpu);

    /// <summary>GPU number <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative.</exception>
    public static Device Gpu(int index = 0) => new(DeviceType.Gpu, index);

    /// <summary>Formats like MLX, e.g. <c>Device(cpu, 0)</c>.</summary>
    public override string ToString() => $"Device({(Type == DeviceType.Cpu ? "cpu" : "gpu")}, {Index})";
}
