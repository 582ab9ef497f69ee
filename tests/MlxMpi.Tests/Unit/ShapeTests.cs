using NUnit.Framework;

namespace MlxMpi.Tests.Unit;

public class ShapeTests
{
    [TestCase(new int[0], 1)]
    [TestCase(new[] { 7 }, 7)]
    [TestCase(new[] { 2, 3 }, 6)]
    [TestCase(new[] { 4, 1, 3, 2 }, 24)]
    [TestCase(new[] { 5, 0, 2 }, 0)]
    public void ShapeSizeNdimAndNBytesAgree(int[] shape, long size)
    {
        using var array = MlxArray.Zeros(shape, Dtype.Float64);
        Assert.That(array.Shape, Is.EqualTo(shape));
        Assert.That(array.Ndim, Is.EqualTo(shape.Length));
        Assert.That(array.Size, Is.EqualTo(size));
        Assert.That(array.NBytes, Is.EqualTo(size * 8));
        Assert.That(array.Device, Is.EqualTo(Device.Cpu));
    }

    [Test]
    public void TheShapeIsACopyThatCannotBeChanged()
    {
        int[] shape = [2, 3];
        using var array = MlxArray.Zeros(shape, Dtype.Int16);
        shape[0] = 99;
        Assert.That(array.Shape, Is.EqualTo(new[] { 2, 3 }));
        var list = (IList<int>)array.Shape;
        Assert.Throws<NotSupportedException>(() => list[0] = 5);
    }

    [Test]
    public void NegativeDimensionsAreRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => MlxArray.FromArray(new int[6], 2, -3));
        Assert.That(error!.Message, Does.Contain("(2, -3)"));
        Assert.Throws<ArgumentException>(() => MlxArray.Zeros([-1], Dtype.UInt8));
    }

    [Test]
    public void AShapeMustHoldExactlyTheData()
    {
        var error = Assert.Throws<ArgumentException>(() => MlxArray.FromArray(new float[6], 4, 2));
        Assert.That(error!.Message, Does.Contain("(4, 2)").And.Contain("6"));
        Assert.Throws<ArgumentException>(() => MlxArray.FromArray(new float[6], 7));
        Assert.Throws<ArgumentException>(() => MlxArray.FromArray(new float[6], 0, 6));
    }

    [Test]
    public void ZeroLengthDimensionsWork()
    {
        using var empty = MlxArray.FromArray(Array.Empty<int>(), 3, 0, 2);
        Assert.That(empty.Size, Is.Zero);
        Assert.That(empty.NBytes, Is.Zero);
        Assert.That(empty.ToArray<int>(), Is.Empty);
        using var transposed = empty.Transpose();
        Assert.That(transposed.Shape, Is.EqualTo(new[] { 2, 0, 3 }));
        Assert.That(transposed.ToArray<int>(), Is.Empty);
        using var reshaped = empty.Reshape(0, 7);
        Assert.That(reshaped.Shape, Is.EqualTo(new[] { 0, 7 }));
        Assert.Throws<ArgumentException>(() => empty.Reshape(0, -1), "-1 next to 0 is ambiguous");
        using var oneDimensional = MlxArray.FromArray(Array.Empty<double>());
        Assert.That(oneDimensional.Shape, Is.EqualTo(new[] { 0 }));
    }

    [Test]
    public void HugeShapesAreRejectedBeforeAllocating()
    {
        Assert.Throws<ArgumentException>(() => MlxArray.Zeros([int.MaxValue, int.MaxValue, int.MaxValue], Dtype.UInt8),
                                         "more elements than a long holds");
        Assert.Throws<ArgumentException>(() => MlxArray.Zeros([int.MaxValue, int.MaxValue, 4], Dtype.Float64),
                                         "more bytes than a long holds");
        Assert.Throws<OutOfMemoryException>(() => MlxArray.Zeros([1 << 30, 1 << 30], Dtype.UInt8),
                                            "2^60 bytes exceed any address space");
    }

    [Test]
    public void AZeroDimensionWinsOverHugeOnes()
    {
        using var empty = MlxArray.Zeros([int.MaxValue, int.MaxValue, int.MaxValue, 0], Dtype.Float32);
        Assert.That(empty.Size, Is.Zero);
        using var reshaped = empty.Reshape(0);
        Assert.That(reshaped.Shape, Is.EqualTo(new[] { 0 }));
    }

    [TestCase(new int[0], Dtype.Float32, "array(shape=(), dtype=float32)")]
    [TestCase(new[] { 5 }, Dtype.BFloat16, "array(shape=(5,), dtype=bfloat16)")]
    [TestCase(new[] { 2, 3 }, Dtype.Complex64, "array(shape=(2, 3), dtype=complex64)")]
    [TestCase(new[] { 1, 0, 4 }, Dtype.Bool, "array(shape=(1, 0, 4), dtype=bool)")]
    public void ToStringIsLikeMlx(int[] shape, Dtype dtype, string expected)
    {
        using var array = MlxArray.Zeros(shape, dtype);
        Assert.That(array.ToString(), Is.EqualTo(expected));
    }
}
