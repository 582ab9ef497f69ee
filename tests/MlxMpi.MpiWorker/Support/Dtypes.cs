using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MlxMpi.MpiWorker;

/// <summary>The one place that maps a <see cref="Dtype"/> to its element type, so everything else in the
/// worker can stay dtype-agnostic (bytes in <see cref="HostArray"/>).</summary>
internal static class Dtypes
{
    public static IReadOnlyList<Dtype> All { get; } = Enum.GetValues<Dtype>();

    public static int SizeOf(Dtype dtype) => dtype switch
    {
        Dtype.Bool or Dtype.UInt8 or Dtype.Int8 => 1,
        Dtype.UInt16 or Dtype.Int16 or Dtype.Float16 or Dtype.BFloat16 => 2,
        Dtype.UInt32 or Dtype.Int32 or Dtype.Float32 => 4,
        Dtype.UInt64 or Dtype.Int64 or Dtype.Float64 or Dtype.Complex64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    public static MlxArray ToMlx(HostArray host) => host.Dtype switch
    {
        Dtype.Bool => Create<bool>(host),
        Dtype.UInt8 => Create<byte>(host),
        Dtype.UInt16 => Create<ushort>(host),
        Dtype.UInt32 => Create<uint>(host),
        Dtype.UInt64 => Create<ulong>(host),
        Dtype.Int8 => Create<sbyte>(host),
        Dtype.Int16 => Create<short>(host),
        Dtype.Int32 => Create<int>(host),
        Dtype.Int64 => Create<long>(host),
        Dtype.Float16 => Create<Half>(host),
        Dtype.BFloat16 => Create<BFloat16>(host),
        Dtype.Float32 => Create<float>(host),
        Dtype.Float64 => Create<double>(host),
        Dtype.Complex64 => Create<Complex64>(host),
        _ => throw new ArgumentOutOfRangeException(nameof(host), host.Dtype, null),
    };

    /// <summary>Reads <paramref name="array"/>'s row-major elements as bytes (ToArray with its own element type).</summary>
    public static byte[] ReadBytes(MlxArray array) => array.Dtype switch
    {
        Dtype.Bool => Read<bool>(array),
        Dtype.UInt8 => Read<byte>(array),
        Dtype.UInt16 => Read<ushort>(array),
        Dtype.UInt32 => Read<uint>(array),
        Dtype.UInt64 => Read<ulong>(array),
        Dtype.Int8 => Read<sbyte>(array),
        Dtype.Int16 => Read<short>(array),
        Dtype.Int32 => Read<int>(array),
        Dtype.Int64 => Read<long>(array),
        Dtype.Float16 => Read<Half>(array),
        Dtype.BFloat16 => Read<BFloat16>(array),
        Dtype.Float32 => Read<float>(array),
        Dtype.Float64 => Read<double>(array),
        Dtype.Complex64 => Read<Complex64>(array),
        _ => throw new ArgumentOutOfRangeException(nameof(array), array.Dtype, null),
    };

    private static MlxArray Create<T>(HostArray host) where T : unmanaged
    {
        RequireElementSize<T>(host.Dtype);
        var data = MemoryMarshal.Cast<byte, T>(host.Bytes).ToArray();
        // FromArray with no shape is 1-D by contract, so 0-d arrays go through Scalar.
        return host.Shape.Length == 0 ? MlxArray.Scalar(data[0]) : MlxArray.FromArray(data, host.Shape);
    }

    private static byte[] Read<T>(MlxArray array) where T : unmanaged
    {
        RequireElementSize<T>(array.Dtype);
        return MemoryMarshal.AsBytes(array.ToArray<T>().AsSpan()).ToArray();
    }

    // BFloat16 and Complex64 are the library's structs: if their layout ever changed, every byte-level
    // comparison here would be wrong, so say so plainly instead.
    private static void RequireElementSize<T>(Dtype dtype) where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() != SizeOf(dtype))
            throw new InvalidOperationException($"{typeof(T).Name} is {Unsafe.SizeOf<T>()} bytes, {dtype} needs {SizeOf(dtype)}");
    }
}
