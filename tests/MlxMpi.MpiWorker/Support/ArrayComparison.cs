namespace MlxMpi.MpiWorker;

/// <summary>Compares an MlxArray with the expected HostArray and describes the first difference precisely
/// enough to debug from a FAIL line: dtype, shape, or the element, its block (group rank) and both values.</summary>
internal static class ArrayComparison
{
    public static string? FirstDifference(HostArray expected, MlxArray actual)
    {
        if (actual.Dtype != expected.Dtype)
            return $"dtype {actual.Dtype}, expected {expected.Dtype}";
        var shape = actual.Shape.ToArray();
        if (!shape.SequenceEqual(expected.Shape))
            return $"shape [{string.Join(", ", shape)}], expected [{string.Join(", ", expected.Shape)}]";
        if (actual.Size != expected.Count)
            return $"Size {actual.Size}, expected {expected.Count}";

        var bytes = Dtypes.ReadBytes(actual);
        if (bytes.Length != expected.Bytes.Length)
            return $"{bytes.Length} bytes read, expected {expected.Bytes.Length}";
        var mismatch = bytes.AsSpan().CommonPrefixLength(expected.Bytes);
        if (mismatch == bytes.Length)
            return null;

        var size = expected.ElementSize;
        var element = mismatch / size;
        var wrong = 0;
        for (var i = 0; i < expected.Count; i++)
        {
            if (!bytes.AsSpan(i * size, size).SequenceEqual(expected.Bytes.AsSpan(i * size, size)))
                wrong++;
        }
        var perBlock = expected.Shape.Length == 0 || expected.Shape[0] == 0 ? 1 : expected.Count / expected.Shape[0];
        var row = element / perBlock;
        return $"{wrong} of {expected.Count} elements differ; first at flat index {element} (row {row}): " +
               $"expected 0x{Hex(expected.Bytes, element, size)}, got 0x{Hex(bytes, element, size)}";
    }

    // Little-endian bytes printed most significant first, i.e. the element's bit pattern.
    private static string Hex(byte[] bytes, long element, int size) =>
        Convert.ToHexString(bytes.AsSpan((int)(element * size), size).ToArray().Reverse().ToArray());
}
