using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace MlxMpi.MpiWorker;

/// <summary>
/// What all_sum, all_max and all_min must give, computed here element by element from every rank's regenerated
/// input, independently of MlxMpi and MPI: integer sums wrap in the element type, float16/bfloat16 are combined in
/// float and rounded back at each step (as the library documents), bool sum/max is OR and min is AND (0 or 1),
/// complex max/min order by real part, then imaginary part.
/// </summary>
internal static class ReductionReference
{
    public enum Op { Sum, Max, Min }

    public static HostArray Of(Op op, IReadOnlyList<HostArray> inputs)
    {
        var first = inputs[0];
        var size = first.ElementSize;
        var bytes = (byte[])first.Bytes.Clone();
        for (var r = 1; r < inputs.Count; r++)
        {
            for (var i = 0; i < bytes.Length; i += size)
                Combine(first.Dtype, op, bytes.AsSpan(i, size), inputs[r].Bytes.AsSpan(i, size));
        }
        if (first.Dtype == Dtype.Bool)
        {
            for (var i = 0; i < bytes.Length; i++)
                bytes[i] = bytes[i] != 0 ? (byte)1 : (byte)0;
        }
        return new HostArray(first.Dtype, first.Shape, bytes);
    }

    /// <summary>Rows [rank*m, (rank+1)*m) of <paramref name="whole"/> (sum_scatter's share of one rank).</summary>
    public static HostArray Rows(HostArray whole, int rank, int groupSize)
    {
        var shape = (int[])whole.Shape.Clone();
        shape[0] /= groupSize;
        var blockBytes = whole.Bytes.Length / groupSize;
        return new HostArray(whole.Dtype, shape, whole.Bytes.AsSpan(rank * blockBytes, blockBytes).ToArray());
    }

    private static void Combine(Dtype dtype, Op op, Span<byte> into, ReadOnlySpan<byte> other)
    {
        switch (dtype)
        {
            case Dtype.Bool:
                into[0] = op == Op.Min ? (byte)(into[0] != 0 && other[0] != 0 ? 1 : 0) : (byte)(into[0] != 0 || other[0] != 0 ? 1 : 0);
                break;
            case Dtype.UInt8: Number<byte>(op, into, other); break;
            case Dtype.Int8: Number<sbyte>(op, into, other); break;
            case Dtype.UInt16: Number<ushort>(op, into, other); break;
            case Dtype.Int16: Number<short>(op, into, other); break;
            case Dtype.UInt32: Number<uint>(op, into, other); break;
            case Dtype.Int32: Number<int>(op, into, other); break;
            case Dtype.UInt64: Number<ulong>(op, into, other); break;
            case Dtype.Int64: Number<long>(op, into, other); break;
            // Half arithmetic goes through float and rounds back to nearest even, as the library's does.
            case Dtype.Float16: Number<Half>(op, into, other); break;
            case Dtype.Float32: Number<float>(op, into, other); break;
            case Dtype.Float64: Number<double>(op, into, other); break;
            case Dtype.BFloat16:
            {
                float a = (float)Bf16(into), b = (float)Bf16(other);
                BinaryPrimitives.WriteUInt16LittleEndian(into, Bits((BFloat16)Pick(op, a, b, a + b)));
                break;
            }
            case Dtype.Complex64:
            {
                float ar = BinaryPrimitives.ReadSingleLittleEndian(into), ai = BinaryPrimitives.ReadSingleLittleEndian(into[4..]);
                float br = BinaryPrimitives.ReadSingleLittleEndian(other), bi = BinaryPrimitives.ReadSingleLittleEndian(other[4..]);
                var bGreater = br > ar || (br == ar && bi > ai);
                var bLess = br < ar || (br == ar && bi < ai);
                (float r, float i) = op switch
                {
                    Op.Sum => (ar + br, ai + bi),
                    Op.Max => bGreater ? (br, bi) : (ar, ai),
                    _ => bLess ? (br, bi) : (ar, ai),
                };
                BinaryPrimitives.WriteSingleLittleEndian(into, r);
                BinaryPrimitives.WriteSingleLittleEndian(into[4..], i);
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null);
        }
    }

    /// <summary>One element of a numeric type: sums wrap for integers (unchecked), max and min compare.</summary>
    private static void Number<T>(Op op, Span<byte> into, ReadOnlySpan<byte> other) where T : unmanaged, INumber<T>
    {
        var a = MemoryMarshal.Read<T>(into);
        var b = MemoryMarshal.Read<T>(other);
        var result = Pick(op, a, b, unchecked(a + b));
        MemoryMarshal.Write(into, in result);
    }

    private static T Pick<T>(Op op, T a, T b, T sum) where T : IComparable<T> => op switch
    {
        Op.Sum => sum,
        Op.Max => b.CompareTo(a) > 0 ? b : a,
        _ => b.CompareTo(a) < 0 ? b : a,
    };

    private static ushort U16(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadUInt16LittleEndian(b);

    private static BFloat16 Bf16(ReadOnlySpan<byte> b) => System.Runtime.CompilerServices.Unsafe.BitCast<ushort, BFloat16>(U16(b));

    private static ushort Bits(BFloat16 value) => System.Runtime.CompilerServices.Unsafe.BitCast<BFloat16, ushort>(value);
}
