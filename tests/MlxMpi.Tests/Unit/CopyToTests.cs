using NUnit.Framework;

namespace MlxMpi.Tests.Unit;

public class CopyToTests
{
    private const int Poison = unchecked((int)0xDEADBEEF);

    [Test]
    public void CopiesEverythingIntoALargeEnoughSpan()
    {
        var rng = TestRandom.Create();
        int[] data = TestRandom.Values<int>(rng, 12);
        using var array = MlxArray.FromArray(data, 3, 4);
        var destination = Enumerable.Repeat(Poison, 15).ToArray();
        array.CopyTo(destination.AsSpan());
        Assert.That(destination[..12], Is.EqualTo(data));
        Assert.That(destination[12..], Is.All.EqualTo(Poison), "nothing is written past the array's elements");
    }

    [Test]
    public void EveryOffsetAndLengthOfAContiguousArray()
    {
        var rng = TestRandom.Create();
        float[] data = TestRandom.Values<float>(rng, 24);
        using var array = MlxArray.FromArray(data, 2, 3, 4);
        CheckAllRanges(array, data);
    }

    [TestCase(new[] { 1, 0, 2 })]
    [TestCase(new[] { 2, 1, 0 })]
    [TestCase(new[] { 0, 2, 1 })]
    public void EveryOffsetAndLengthOfATransposedView(int[] perm)
    {
        var rng = TestRandom.Create();
        int[] shape = [2, 3, 4];
        float[] data = TestRandom.Values<float>(rng, 24);
        using var array = MlxArray.FromArray(data, shape);
        using var view = array.Transpose(perm);
        CheckAllRanges(view, Expected.Transpose(data, shape, perm));
    }

    private static void CheckAllRanges(MlxArray array, float[] expected)
    {
        for (int offset = 0; offset <= expected.Length; offset++)
        {
            for (int length = 0; length <= expected.Length + 1; length++)
            {
                var destination = Enumerable.Repeat(float.NaN, length).ToArray();
                array.CopyTo(destination.AsSpan(), offset);
                int copied = Math.Min(length, expected.Length - offset);
                Assert.That(destination[..copied], Is.EqualTo(expected[offset..(offset + copied)]),
                            $"offset {offset}, length {length}");
                Assert.That(destination[copied..].All(float.IsNaN), Is.True, $"offset {offset}, length {length}");
            }
        }
    }

    [Test]
    public void RandomRangesOfALargerTransposedView()
    {
        var rng = TestRandom.Create();
        int[] shape = [97, 150];
        byte[] data = TestRandom.Values<byte>(rng, 97 * 150);
        using var array = MlxArray.FromArray(data, shape);
        using var view = array.Transpose();
        byte[] expected = Expected.Transpose(data, shape, [1, 0]);
        for (int i = 0; i < 300; i++)
        {
            int offset = rng.Next(expected.Length + 1);
            int length = rng.Next(i % 2 == 0 ? 200 : expected.Length + 10);
            var destination = new byte[length];
            view.CopyTo(destination.AsSpan(), offset);
            int copied = Math.Min(length, expected.Length - offset);
            Assert.That(destination[..copied], Is.EqualTo(expected[offset..(offset + copied)]),
                        $"offset {offset}, length {length}");
        }
    }

    [Test]
    public void ReadsInPartsAddUpToToArray()
    {
        var rng = TestRandom.Create();
        ulong[] data = TestRandom.Values<ulong>(rng, 100);
        using var array = MlxArray.FromArray(data, 10, 10);
        using var view = array.Transpose();
        var parts = new ulong[100];
        for (int offset = 0; offset < 100; offset += 7)
            view.CopyTo(parts.AsSpan(offset, Math.Min(7, 100 - offset)), offset);
        Assert.That(parts, Is.EqualTo(view.ToArray<ulong>()));
    }

    [Test]
    public void OffsetsOutsideTheArrayAreRejected()
    {
        using var array = MlxArray.FromArray(new[] { 1, 2, 3 });
        var destination = new int[3];
        Assert.Throws<ArgumentOutOfRangeException>(() => array.CopyTo(destination.AsSpan(), -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => array.CopyTo(destination.AsSpan(), 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => array.CopyTo(destination.AsSpan(), long.MaxValue));
        Assert.DoesNotThrow(() => array.CopyTo(destination.AsSpan(), 3), "the end is a valid, empty, start");
    }

    [Test]
    public void TheWrongElementTypeIsRejected()
    {
        using var array = MlxArray.FromArray(new[] { 1.0, 2.0 });
        var error = Assert.Throws<ArgumentException>(() => array.CopyTo(new long[2].AsSpan()));
        Assert.That(error!.Message, Does.Contain("Int64").And.Contain("float64"));
    }

    [Test]
    public void AnEmptyDestinationCopiesNothing()
    {
        using var array = MlxArray.FromArray(new[] { 1, 2, 3 });
        Assert.DoesNotThrow(() => array.CopyTo(Span<int>.Empty, 1));
    }
}
