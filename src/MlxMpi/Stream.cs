using System.Collections.Concurrent;

namespace MlxMpi;

/// <summary>An ordered queue of work on a <see cref="MlxMpi.Device"/>, as MLX's <c>mx.Stream</c>: a collective
/// given a stream is ordered after the work already queued on it.</summary>
/// <remarks>On the CPU work runs in call order, so a CPU stream carries no native handle. On a GPU the stream
/// wraps a native queue (a CUDA <c>cudaStream_t</c>) that MlxMpi orders its copies on but never creates or
/// destroys. GPU execution is not part of this release: GPU streams can be described, but operations that need
/// one report that they are unsupported.</remarks>
public sealed class Stream
{
    private static readonly ConcurrentDictionary<Device, Stream> Defaults = new();

    private Stream(Device device, nint handle, bool isDefault)
    {
        Device = device;
        NativeHandle = handle;
        IsDefault = isDefault;
    }

    /// <summary>The device this stream runs on.</summary>
    public Device Device { get; }

    /// <summary>The native queue (e.g. a <c>cudaStream_t</c>); 0 for a CPU stream or a GPU's default stream.</summary>
    internal nint NativeHandle { get; }

    /// <summary>True for the stream that <see cref="DefaultFor"/> returns.</summary>
    internal bool IsDefault { get; }

    /// <summary>The default stream of <paramref name="device"/>: always the same instance for the same device.</summary>
    public static Stream DefaultFor(Device device) =>
        Defaults.GetOrAdd(device, static d => new Stream(d, 0, isDefault: true));

    /// <summary>Wraps a native stream that the caller created and keeps alive for as long as this object is used,
    /// e.g. a CUDA <c>cudaStream_t</c> for a GPU device. For a CPU device the handle is not used and may be 0.</summary>
    /// <param name="device">The device the native stream belongs to.</param>
    /// <param name="handle">The native stream handle; MlxMpi never destroys it.</param>
    public static Stream FromNative(Device device, nint handle) => new(device, handle, isDefault: false);

    /// <summary>Formats like MLX, e.g. <c>Stream(Device(cpu, 0), default)</c>.</summary>
    public override string ToString() =>
        IsDefault ? $"Stream({Device}, default)" : $"Stream({Device}, 0x{NativeHandle:x})";
}
