using System.Runtime.InteropServices;

namespace MlxMpi.MpiWorker.Scenarios.DotNetData;

/// <summary>Calls a generic check with the .NET element type of each dtype, so the span and tensor scenarios cover all 14.</summary>
internal interface IElementCheck
{
    void Run<T>(Dtype dtype) where T : unmanaged;
}

internal static class ElementTypes
{
    public static void ForEach(IElementCheck check)
    {
        foreach (var dtype in Dtypes.All)
            With(dtype, check);
    }

    public static void With(Dtype dtype, IElementCheck check)
    {
        switch (dtype)
        {
            case Dtype.Bool: check.Run<bool>(dtype); break;
            case Dtype.UInt8: check.Run<byte>(dtype); break;
            case Dtype.UInt16: check.Run<ushort>(dtype); break;
            case Dtype.UInt32: check.Run<uint>(dtype); break;
            case Dtype.UInt64: check.Run<ulong>(dtype); break;
            case Dtype.Int8: check.Run<sbyte>(dtype); break;
            case Dtype.Int16: check.Run<short>(dtype); break;
            case Dtype.Int32: check.Run<int>(dtype); break;
            case Dtype.Int64: check.Run<long>(dtype); break;
            case Dtype.Float16: check.Run<Half>(dtype); break;
            case Dtype.BFloat16: check.Run<BFloat16>(dtype); break;
            case Dtype.Float32: check.Run<float>(dtype); break;
            case Dtype.Float64: check.Run<double>(dtype); break;
            case Dtype.Complex64: check.Run<Complex64>(dtype); break;
            default: throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null);
        }
    }

    /// <summary>Random elements of <paramref name="dtype"/> from a seed (TestData's values), as T.</summary>
    public static T[] Random<T>(Dtype dtype, int length, ulong seed) where T : unmanaged =>
        MemoryMarshal.Cast<byte, T>(TestData.Random(dtype, [length], seed).Bytes).ToArray();

    /// <summary>The index of the first element whose bits differ, or -1 (bitwise: NaN payloads and -0 count).</summary>
    public static int FirstDifference<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual) where T : unmanaged
    {
        if (expected.Length != actual.Length)
            return Math.Min(expected.Length, actual.Length);
        var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var e = MemoryMarshal.AsBytes(expected);
        var a = MemoryMarshal.AsBytes(actual);
        for (var i = 0; i < expected.Length; i++)
        {
            if (!e.Slice(i * size, size).SequenceEqual(a.Slice(i * size, size)))
                return i;
        }
        return -1;
    }
}
