using NUnit.Framework;

namespace MlxMpi.Tests.Unit;

public class ScalarItemTests
{
    [TestCaseSource(typeof(DtypeCases), nameof(DtypeCases.All))]
    public void ScalarHoldsOneRandomValue(Dtype dtype) => DtypeCases.Run(this, nameof(CheckScalar), dtype, dtype);

    private void CheckScalar<T>(Dtype dtype) where T : unmanaged
    {
        var rng = TestRandom.Create();
        T value = TestRandom.Value<T>(rng);
        using var scalar = MlxArray.Scalar(value);
        Assert.That(scalar.Dtype, Is.EqualTo(dtype));
        Assert.That(scalar.Ndim, Is.Zero);
        Assert.That(scalar.Shape, Is.Empty);
        Assert.That(scalar.Size, Is.EqualTo(1));
        Assert.That(scalar.NBytes, Is.EqualTo(DtypeInfo.SizeOf(dtype)));
        Assert.That(scalar.Item<T>(), Is.EqualTo(value));
        Assert.That(scalar.ToArray<T>(), Is.EqualTo(new[] { value }));
    }

    [Test]
    public void ItemReadsAnyOneElementArray()
    {
        var rng = TestRandom.Create();
        long value = TestRandom.Value<long>(rng);
        using var cube = MlxArray.FromArray(new[] { value }, 1, 1, 1);
        Assert.That(cube.Item<long>(), Is.EqualTo(value));
        using var view = cube.Transpose(2, 0, 1);
        Assert.That(view.Item<long>(), Is.EqualTo(value));
        using var flat = cube.Reshape();
        Assert.That(flat.Ndim, Is.Zero);
        Assert.That(flat.Item<long>(), Is.EqualTo(value));
    }

    [Test]
    public void ItemNeedsExactlyOneElement()
    {
        using var two = MlxArray.FromArray(new[] { 1, 2 });
        var error = Assert.Throws<InvalidOperationException>(() => two.Item<int>());
        Assert.That(error!.Message, Does.Contain("(2,)"));
        using var empty = MlxArray.Zeros([0], Dtype.Int32);
        Assert.Throws<InvalidOperationException>(() => empty.Item<int>());
    }

    [Test]
    public void ItemWithTheWrongTypeIsRejected()
    {
        using var scalar = MlxArray.Scalar(2.5);
        var error = Assert.Throws<ArgumentException>(() => scalar.Item<float>());
        Assert.That(error!.Message, Does.Contain("Single").And.Contain("float64"));
    }

    [Test]
    public void HalfAndBFloat16ScalarsKeepTheirBits()
    {
        using var half = MlxArray.Scalar(Half.NegativeInfinity);
        Assert.That(half.Item<Half>(), Is.EqualTo(Half.NegativeInfinity));
        using var bf = MlxArray.Scalar(BFloat16.FromBits(0x7FC1));
        Assert.That(bf.Item<BFloat16>().Bits, Is.EqualTo((ushort)0x7FC1), "a NaN payload survives the copy");
    }
}
