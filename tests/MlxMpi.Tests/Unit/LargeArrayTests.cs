using NUnit.Framework;

namespace MlxMpi.Tests.Unit;

/// <summary>Arrays of more than 2^31 elements: offsets and counts must be 64-bit all the way down.</summary>
/// <remarks>The array is allocated, not filled, so only the pages the test writes or reads are touched: the
/// test reserves 2 GiB of address space but uses a few pages of memory.</remarks>
[Category("LargeMemory")]
public unsafe class LargeArrayTests
{
    private const long Length = (1L << 31) + 64;

    [Test]
    public void CopyToReadsBeyondInt32Offsets()
    {
        var rng = TestRandom.Create();
        // No single dimension can exceed int.MaxValue, so the long array is 2 x (2^30 + 32).
        using var array = MlxArray.Allocate([2, (int)(Length / 2)], Dtype.UInt8);
        Assert.That(array.Size, Is.EqualTo(Length));
        Assert.That(array.NBytes, Is.EqualTo(Length));
        byte* memory = array.DataPointer;

        // The contiguous path: markers either side of int.MaxValue and at the very end.
        long[] positions = [int.MaxValue - 3, int.MaxValue, 1L << 31, (1L << 31) + 5, Length - 1];
        var markers = new byte[positions.Length];
        rng.NextBytes(markers);
        for (int i = 0; i < positions.Length; i++)
            memory[positions[i]] = markers[i];
        var window = new byte[8];
        array.CopyTo(window.AsSpan(), int.MaxValue - 3);
        Assert.That(window[0], Is.EqualTo(markers[0]));
        Assert.That(window[3], Is.EqualTo(markers[1]));
        Assert.That(window[4], Is.EqualTo(markers[2]));
        array.CopyTo(window.AsSpan(), (1L << 31) + 5);
        Assert.That(window[0], Is.EqualTo(markers[3]));
        var tail = new byte[100];
        array.CopyTo(tail.AsSpan(), Length - 1);
        Assert.That(tail[0], Is.EqualTo(markers[4]));

        // The strided path: logical element k of the transposed (Length / 2, 2) view is at memory
        // (k % 2) * (Length / 2) + k / 2.
        using var transposed = array.Transpose();
        Assert.That(transposed.Shape, Is.EqualTo(new[] { (int)(Length / 2), 2 }));
        long start = (1L << 31) + 10;
        var expected = new byte[8];
        rng.NextBytes(expected);
        for (int i = 0; i < 8; i++)
        {
            long k = start + i;
            memory[k % 2 * (Length / 2) + k / 2] = expected[i];
        }
        var strided = new byte[8];
        transposed.CopyTo(strided.AsSpan(), start);
        Assert.That(strided, Is.EqualTo(expected));

        Assert.Throws<InvalidOperationException>(() => array.ToArray<byte>(), "too long for a .NET array");
        Assert.Throws<ArgumentException>(() => array.Reshape(-1), "one dimension cannot hold 2^31 + 64");
        Assert.Throws<ArgumentOutOfRangeException>(() => array.CopyTo(window.AsSpan(), Length + 1));
    }
}
