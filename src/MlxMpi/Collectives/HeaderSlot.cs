using System.Buffers.Binary;
using System.Text;

namespace MlxMpi.Collectives;

/// <summary>
/// The fixed-size slot every rank contributes to the header phase of a collective. Every rank knows its size
/// without communication, so one MPI_Allgather of slots tells each rank what every other rank is calling, with
/// what shape and dtype, and carries small payloads inline so that small gathers cost a single collective.
/// </summary>
/// <remarks>
/// Layout (little-endian; all ranks of a job are assumed to share the byte order):
/// <code>
///  0 u32 magic      4 u8 version   5 u8 op   6 u8 status   7 u8 dtype
///  8 i64 sequence  16 i32 ndim    20 i32 flags (bit 0: payload inline; bits 8-15: device type)   24 i64 payload bytes (per rank)
/// 32 i32 dims[ndim], then the inline payload at the next 8-byte boundary
/// </code>
/// A rank that failed locally sets status = 1 and puts its UTF-8 message at offset 32 (payload bytes = its length).
/// Everything before the payload must be byte-identical across ranks for the collective to go ahead.
/// </remarks>
internal static unsafe class HeaderSlot
{
    internal const int Size = 256;
    internal const int FixedBytes = 32;
    internal const int MaxNdim = (Size - FixedBytes) / sizeof(int);
    internal const uint Magic = 0x4D4C5847; // "GXLM": catches a rank that is not running MlxMpi's protocol
    internal const byte Version = 1;

    internal const byte StatusOk = 0;
    internal const byte StatusFailed = 1;
    private const int InlineFlag = 1;

    internal static int DescriptionBytes(int ndim) => FixedBytes + ndim * sizeof(int);

    internal static int PayloadOffset(int ndim) => (DescriptionBytes(ndim) + 7) & ~7;

    internal static bool FitsInline(int ndim, long payloadBytes) => PayloadOffset(ndim) + payloadBytes <= Size;

    /// <summary>
    /// Writes a successful call's description; returns where an inline payload goes, or null when it does not fit.
    /// Device memory never travels inline, and the device type is part of the call: a rank gathering GPU memory
    /// cannot be matched with one gathering host memory (their data phases differ).
    /// </summary>
    internal static byte* WriteCall(byte* slot, CollectiveOp op, long sequence, Dtype dtype, ReadOnlySpan<int> shape, long payloadBytes,
                                    DeviceType deviceType = DeviceType.Cpu)
    {
        var inline = deviceType == DeviceType.Cpu && FitsInline(shape.Length, payloadBytes);
        var flags = (inline ? InlineFlag : 0) | ((int)deviceType << 8);
        WriteFixed(slot, op, StatusOk, sequence, (byte)dtype, shape.Length, flags, payloadBytes);
        var dims = new Span<int>(slot + FixedBytes, shape.Length);
        for (var i = 0; i < shape.Length; i++)
            dims[i] = BitConverter.IsLittleEndian ? shape[i] : BinaryPrimitives.ReverseEndianness(shape[i]);
        return inline ? slot + PayloadOffset(shape.Length) : null;
    }

    /// <summary>Writes a local failure so the other ranks can report it instead of waiting for data that never comes.</summary>
    internal static void WriteFailure(byte* slot, CollectiveOp op, long sequence, string message)
    {
        var room = new Span<byte>(slot + FixedBytes, Size - FixedBytes);
        var length = Encoding.UTF8.GetBytes(Truncate(message, room.Length), room);
        WriteFixed(slot, op, StatusFailed, sequence, 0, 0, 0, length);
    }

    private static void WriteFixed(byte* slot, CollectiveOp op, byte status, long sequence, byte dtype, int ndim, int flags, long payloadBytes)
    {
        var span = new Span<byte>(slot, FixedBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        span[4] = Version;
        span[5] = (byte)op;
        span[6] = status;
        span[7] = dtype;
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], sequence);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], ndim);
        BinaryPrimitives.WriteInt32LittleEndian(span[20..], flags);
        BinaryPrimitives.WriteInt64LittleEndian(span[24..], payloadBytes);
    }

    internal static bool IsWellFormed(byte* slot) =>
        BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(slot, 4)) == Magic && slot[4] == Version;

    internal static CollectiveOp OpOf(byte* slot) => (CollectiveOp)slot[5];

    internal static bool Failed(byte* slot) => slot[6] != StatusOk;

    internal static Dtype DtypeOf(byte* slot) => (Dtype)slot[7];

    internal static long SequenceOf(byte* slot) => BinaryPrimitives.ReadInt64LittleEndian(new ReadOnlySpan<byte>(slot + 8, 8));

    internal static int NdimOf(byte* slot) => BinaryPrimitives.ReadInt32LittleEndian(new ReadOnlySpan<byte>(slot + 16, 4));

    internal static DeviceType DeviceTypeOf(byte* slot) =>
        (DeviceType)((BinaryPrimitives.ReadInt32LittleEndian(new ReadOnlySpan<byte>(slot + 20, 4)) >> 8) & 0xFF);

    internal static bool IsInline(byte* slot) => (BinaryPrimitives.ReadInt32LittleEndian(new ReadOnlySpan<byte>(slot + 20, 4)) & InlineFlag) != 0;

    internal static long PayloadBytesOf(byte* slot) => BinaryPrimitives.ReadInt64LittleEndian(new ReadOnlySpan<byte>(slot + 24, 8));

    internal static int[] ShapeOf(byte* slot)
    {
        var ndim = Math.Clamp(NdimOf(slot), 0, MaxNdim);
        var shape = new int[ndim];
        for (var i = 0; i < ndim; i++)
            shape[i] = BinaryPrimitives.ReadInt32LittleEndian(new ReadOnlySpan<byte>(slot + FixedBytes + i * sizeof(int), sizeof(int)));
        return shape;
    }

    internal static string FailureMessageOf(byte* slot)
    {
        var length = (int)Math.Clamp(PayloadBytesOf(slot), 0, Size - FixedBytes);
        return Encoding.UTF8.GetString(new ReadOnlySpan<byte>(slot + FixedBytes, length));
    }

    /// <summary>
    /// True when two slots describe the same call: everything before the payload is identical, except, for an
    /// uneven gather (<paramref name="rowsMayDiffer"/>), dimension 0 and what follows from it (payload size, inline).
    /// </summary>
    internal static bool SameCall(byte* a, byte* b, bool rowsMayDiffer = false)
    {
        var ndim = NdimOf(a);
        if (ndim < 0 || ndim > MaxNdim || ndim != NdimOf(b))
            return false;
        var length = DescriptionBytes(ndim);
        if (!rowsMayDiffer || ndim == 0)
            return new ReadOnlySpan<byte>(a, length).SequenceEqual(new ReadOnlySpan<byte>(b, length));
        // Bytes 0-19 (magic to ndim) must match; flags and payload size follow from dimension 0, which is skipped.
        const int flagsOffset = 20, trailingDimsOffset = FixedBytes + sizeof(int);
        return new ReadOnlySpan<byte>(a, flagsOffset).SequenceEqual(new ReadOnlySpan<byte>(b, flagsOffset))
               && new ReadOnlySpan<byte>(a + trailingDimsOffset, length - trailingDimsOffset)
                   .SequenceEqual(new ReadOnlySpan<byte>(b + trailingDimsOffset, length - trailingDimsOffset));
    }

    /// <summary>Dimension 0 of a slot's shape (1 for a 0-d shape).</summary>
    internal static int RowsOf(byte* slot) =>
        NdimOf(slot) == 0 ? 1 : BinaryPrimitives.ReadInt32LittleEndian(new ReadOnlySpan<byte>(slot + FixedBytes, sizeof(int)));

    private static string Truncate(string message, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(message) <= maxBytes)
            return message;
        var chars = message.Length;
        while (Encoding.UTF8.GetByteCount(message.AsSpan(0, chars)) > maxBytes - 3)
            chars--;
        return message[..chars] + "...";
    }
}
