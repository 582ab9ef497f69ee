using System.Runtime.InteropServices;

namespace MlxMpi;

/// <summary>Fills packed native elements with one value, for <see cref="MlxArray.Zeros"/> and
/// <see cref="MlxArray.Ones"/>.</summary>
internal static unsafe class ElementFill
{
    // Span lengths are ints; arrays can be longer, so fills go in chunks.
    private const int Chunk = 1 << 30;

    public static void Zero(byte* destination, long byteCount) => NativeMemory.Clear(destination, (nuint)byteCount);

    /// <summary>Writes the dtype's 1 (true, 1, 1.0, 1+0i) into <paramref name="count"/> elements.</summary>
    public static void One(byte* destination, long count, Dtype dtype)
    {
        // Build one element in its own type, then replicate its bytes as an integer of the same size: the
        // bit pattern comes from the type's own conversion, never from hand-written constants.
        ulong element = 0;
        byte* bits = (byte*)&element;
        switch (dtype)
        {
            case Dtype.Bool: *(bool*)bits = true; break;
            case Dtype.UInt8: *bits = 1; break;
            case Dtype.UInt16: *(ushort*)bits = 1; break;
            case Dtype.UInt32: *(uint*)bits = 1; break;
            case Dtype.UInt64: *(ulong*)bits = 1; break;
            case Dtype.Int8: *(sbyte*)bits = 1; break;
            case Dtype.Int16: *(short*)bits = 1; break;
            case Dtype.Int32: *(int*)bits = 1; break;
            case Dtype.Int64: *(long*)bits = 1; break;
            case Dtype.Float16: *(Half*)bits = Half.One; break;
            case Dtype.BFloat16: *(BFloat16*)bits = (BFloat16)1f; break;
            case Dtype.Float32: *(float*)bits = 1f; break;
            case Dtype.Float64: *(double*)bits = 1.0; break;
            case Dtype.Complex64: *(Complex64*)bits = new Complex64(1f, 0f); break;
            default: throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a Dtype value");
        }
        switch (DtypeInfo.SizeOf(dtype))
        {
            case 1: Fill(destination, count, *bits); break;
            case 2: Fill((ushort*)destination, count, *(ushort*)bits); break;
            case 4: Fill((uint*)destination, count, *(uint*)bits); break;
            default: Fill((ulong*)destination, count, element); break;
        }
    }

    private static void Fill<T>(T* destination, long count, T value) where T : unmanaged
    {
        for (long done = 0; done < count; done += Chunk)
            new Span<T>(destination + done, (int)Math.Min(Chunk, count - done)).Fill(value);
    }
}
