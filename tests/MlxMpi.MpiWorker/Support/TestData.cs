using System.Buffers.Binary;

namespace MlxMpi.MpiWorker;

/// <summary>Random inputs from a seed, never all zeros: integers get random bits, floating types random
/// finite values (so a reader of a failure sees numbers, not NaN payloads), bools a mix of true and false.</summary>
internal static class TestData
{
    public static HostArray Random(Dtype dtype, int[] shape, ulong seed)
    {
        var host = Generate(dtype, shape, seed, WriteRandom);
        if (dtype == Dtype.Bool && host.Count > 0 && !host.Bytes.Contains((byte)1))
            host.Bytes[(int)(seed % (ulong)host.Count)] = 1;
        return host;
    }

    /// <summary>
    /// Random inputs whose sums over up to 8 ranks are exact in every dtype, so a reduction's result does not depend
    /// on the order in which MPI combines ranks and can be checked bit for bit: integers get random bits (sums wrap),
    /// floating types small multiples of 1/4 (integers below 16 for bfloat16, which has 8 significant bits), complex
    /// real parts in {-1, 0, 1} (so max and min must often decide by the imaginary part), bools a mix of 0 and 1.
    /// </summary>
    public static HostArray ExactSums(Dtype dtype, int[] shape, ulong seed)
    {
        var host = Generate(dtype, shape, seed, WriteExact);
        if (host.Count > 0 && host.Bytes.All(b => b == 0))
            host.Bytes[0] = 1;
        return host;
    }

    private delegate void ElementWriter(Dtype dtype, Span<byte> element, ref SplitMix64 rng);

    private static HostArray Generate(Dtype dtype, int[] shape, ulong seed, ElementWriter write)
    {
        var count = checked((int)shape.Aggregate(1L, (product, dim) => product * dim));
        var size = Dtypes.SizeOf(dtype);
        var bytes = new byte[count * size];
        var rng = new SplitMix64(seed);
        for (var i = 0; i < count; i++)
            write(dtype, bytes.AsSpan(i * size, size), ref rng);
        return new HostArray(dtype, shape, bytes);
    }

    private static void WriteExact(Dtype dtype, Span<byte> element, ref SplitMix64 rng)
    {
        var small = (int)(rng.Next() % 127) - 63; // -63..63
        switch (dtype)
        {
            case Dtype.Bool: element[0] = (byte)(rng.Next() & 1); break;
            case Dtype.Float16: BinaryPrimitives.WriteHalfLittleEndian(element, (Half)(small / 4f)); break;
            case Dtype.BFloat16:
                BinaryPrimitives.WriteUInt16LittleEndian(element, System.Runtime.CompilerServices.Unsafe.BitCast<BFloat16, ushort>((BFloat16)(float)(small % 16)));
                break;
            case Dtype.Float32: BinaryPrimitives.WriteSingleLittleEndian(element, small / 4f); break;
            case Dtype.Float64: BinaryPrimitives.WriteDoubleLittleEndian(element, small / 8d); break;
            case Dtype.Complex64:
                BinaryPrimitives.WriteSingleLittleEndian(element, (float)(rng.Next() % 3) - 1);
                BinaryPrimitives.WriteSingleLittleEndian(element[4..], small / 4f);
                break;
            default: rng.Fill(element); break;
        }
    }

    /// <summary>Ones of <paramref name="dtype"/>, as their bit patterns (what MlxArray.Ones must produce).</summary>
    public static HostArray Ones(Dtype dtype, int[] shape)
    {
        var count = checked((int)shape.Aggregate(1L, (product, dim) => product * dim));
        var size = Dtypes.SizeOf(dtype);
        var bytes = new byte[count * size];
        for (var i = 0; i < count; i++)
            WriteOne(dtype, bytes.AsSpan(i * size, size));
        return new HostArray(dtype, shape, bytes);
    }

    private static void WriteRandom(Dtype dtype, Span<byte> element, ref SplitMix64 rng)
    {
        switch (dtype)
        {
            case Dtype.Bool:
                element[0] = (byte)(rng.Next() & 1);
                break;
            case Dtype.Float16:
                BinaryPrimitives.WriteHalfLittleEndian(element, (Half)Finite(ref rng));
                break;
            case Dtype.BFloat16:
                // bfloat16 is the top half of a float32.
                BinaryPrimitives.WriteUInt16LittleEndian(element, (ushort)(BitConverter.SingleToUInt32Bits(Finite(ref rng)) >> 16));
                break;
            case Dtype.Float32:
                BinaryPrimitives.WriteSingleLittleEndian(element, Finite(ref rng));
                break;
            case Dtype.Float64:
                BinaryPrimitives.WriteDoubleLittleEndian(element, rng.NextDouble() * 2000 - 1000);
                break;
            case Dtype.Complex64:
                BinaryPrimitives.WriteSingleLittleEndian(element, Finite(ref rng));
                BinaryPrimitives.WriteSingleLittleEndian(element[4..], Finite(ref rng));
                break;
            default:
                rng.Fill(element);
                break;
        }
    }

    private static float Finite(ref SplitMix64 rng) => (float)(rng.NextDouble() * 200 - 100);

    private static void WriteOne(Dtype dtype, Span<byte> element)
    {
        switch (dtype)
        {
            case Dtype.Float16:
                BinaryPrimitives.WriteHalfLittleEndian(element, Half.One);
                break;
            case Dtype.BFloat16:
                BinaryPrimitives.WriteUInt16LittleEndian(element, 0x3F80);
                break;
            case Dtype.Float32:
            case Dtype.Complex64: // 1 + 0i
                BinaryPrimitives.WriteSingleLittleEndian(element, 1f);
                break;
            case Dtype.Float64:
                BinaryPrimitives.WriteDoubleLittleEndian(element, 1d);
                break;
            default: // bool true and every integer type: 1 in the lowest byte
                element[0] = 1;
                break;
        }
    }
}
