using NUnit.Framework;

namespace MlxMpi.Tests.Unit;

public class ReshapeTests
{
    [TestCase(new[] { 4, 6 })]
    [TestCase(new[] { -1, 6 })]
    [TestCase(new[] { 4, -1 })]
    [TestCase(new[] { 2, -1, 3 })]
    [TestCase(new[] { 24 })]
    [TestCase(new[] { -1 })]
    [TestCase(new[] { 1, 2, 1, 12, 1 })]
    public void ReshapeKeepsTheRowMajorValues(int[] request)
    {
        var rng = TestRandom.Create();
        double[] data = TestRandom.Values<double>(rng, 24);
        using var array = MlxArray.FromArray(data, 2, 3, 4);
        using var reshaped = array.Reshape(request);
        Assert.That(Expected.Count([.. reshaped.Shape]), Is.EqualTo(24));
        for (int d = 0; d < request.Length; d++)
        {
            if (request[d] != -1)
                Assert.That(reshaped.Shape[d], Is.EqualTo(request[d]));
        }
        Assert.That(reshaped.ToArray<double>(), Is.EqualTo(data));
    }

    [Test]
    public void MinusOneIsInferred()
    {
        using var array = MlxArray.Zeros([3, 8], Dtype.Int8);
        using var reshaped = array.Reshape(2, -1, 3);
        Assert.That(reshaped.Shape, Is.EqualTo(new[] { 2, 4, 3 }));
    }

    [Test]
    public unsafe void AContiguousReshapeIsAView()
    {
        using var array = MlxArray.FromArray(new[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using var reshaped = array.Reshape(3, 2);
        Assert.That((nint)reshaped.DataPointer, Is.EqualTo((nint)array.DataPointer));
        Assert.That(reshaped.IsContiguous, Is.True);
    }

    [TestCase(new[] { 1, 0 })]
    [TestCase(new[] { 0, 2, 1 })]
    [TestCase(new[] { 2, 1, 0 })]
    public unsafe void ReshapingATransposedViewCopiesItsLogicalValues(int[] perm)
    {
        var rng = TestRandom.Create();
        int[] shape = perm.Length == 2 ? [5, 7] : [3, 4, 5];
        int[] data = TestRandom.Values<int>(rng, (int)Expected.Count(shape));
        using var array = MlxArray.FromArray(data, shape);
        using var view = array.Transpose(perm);
        using var flat = view.Reshape(-1);
        int[] expected = Expected.Transpose(data, shape, perm);
        Assert.That(flat.ToArray<int>(), Is.EqualTo(expected));
        Assert.That(flat.IsContiguous, Is.True);
        Assert.That((nint)flat.DataPointer, Is.Not.EqualTo((nint)array.DataPointer), "a strided view is copied");

        using var grid = view.Reshape(shape[^1], -1);
        Assert.That(grid.ToArray<int>(), Is.EqualTo(expected));
    }

    [Test]
    public void AMismatchNamesBothShapes()
    {
        using var array = MlxArray.Zeros([2, 3], Dtype.Float32);
        var error = Assert.Throws<ArgumentException>(() => array.Reshape(4, 2));
        Assert.That(error!.Message, Does.Contain("(2, 3)").And.Contain("(4, 2)"));
        Assert.Throws<ArgumentException>(() => array.Reshape(4, -1), "6 is not a multiple of 4");
        Assert.Throws<ArgumentException>(() => array.Reshape(-1, -1), "two -1");
        Assert.Throws<ArgumentException>(() => array.Reshape(-2, -3), "negative dimensions");
        Assert.Throws<ArgumentException>(() => array.Reshape(), "6 elements into a 0-d shape");
        Assert.Throws<ArgumentException>(() => array.Reshape(int.MaxValue, int.MaxValue, int.MaxValue), "overflow");
    }

    [Test]
    public void ReshapeOfAViewOfAView()
    {
        var rng = TestRandom.Create();
        float[] data = TestRandom.Values<float>(rng, 60);
        using var array = MlxArray.FromArray(data, 3, 4, 5);
        using var first = array.Reshape(12, 5);
        using var second = first.Reshape(2, 30);
        using var third = second.Reshape(60);
        Assert.That(third.ToArray<float>(), Is.EqualTo(data));
    }
}
