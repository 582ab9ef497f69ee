using System.Buffers.Binary;

namespace MlxMpi.MpiWorker;

/// <summary>
/// Random inputs whose sums over up to 8 ranks are exact in every dtype, so a reduction's result does not depend on
/// the order in which MPI combines ranks and can be checked bit for bit: integers get random bits (sums wrap),
/// floating types small multiples of 1/4 (integers for bfloat16, which has 8 significant bits), complex real parts
/// in {-1, 0, 1} (so max and min must often decide by the imaginary part), bools a mix of 0 and 1. Never all zeros.
/// </summary>
internal static class ExactData
{
    public static HostArray Random(Dtype dtype, int[] shape, ulong seed)
    {
        var count = checked((int)shape.Aggregate(1L, (product, dim) => product * dim));
        var size = Dtypes.SizeOf(dtype);
        var bytes = new byte[count * size];
        var rng = new SplitMix64(seed);
        for (var i = 0; i < count; i++)
        {
            var element = bytes.AsSpan(i * size, size);
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
        if (count > 0 && bytes.All(b => b == 0))
            bytes[0] = 1;
        return new HostArray(dtype, shape, bytes);
    }
}
