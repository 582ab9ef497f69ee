using NUnit.Framework;

namespace MlxMpi.Tests.Unit;

public class RoundTripTests
{
    [TestCaseSource(typeof(DtypeCases), nameof(DtypeCases.All))]
    public void EveryDtypeRoundTripsRandomData(Dtype dtype) => DtypeCases.Run(this, nameof(RoundTrip), dtype, dtype);

    private void RoundTrip<T>(Dtype dtype) where T : unmanaged
    {
        var rng = TestRandom.Create();
        T[] data = TestRandom.Values<T>(rng, 2 * 3 * 7);

        using var flat = MlxArray.FromArray(data);
        Assert.That(flat.Dtype, Is.EqualTo(dtype));
        Assert.That(flat.Shape, Is.EqualTo(new[] { data.Length }));
        Assert.That(flat.ToArray<T>(), Is.EqualTo(data));

        using var cube = MlxArray.FromArray(data, 2, 3, 7);
        Assert.That(cube.Shape, Is.EqualTo(new[] { 2, 3, 7 }));
        Assert.That(cube.NBytes, Is.EqualTo(data.Length * DtypeInfo.SizeOf(dtype)));
        Assert.That(cube.ToArray<T>(), Is.EqualTo(data));
    }

    [Test]
    public void FromArrayCopiesTheData()
    {
        var rng = TestRandom.Create();
        int[] data = TestRandom.Values<int>(rng, 10);
        int[] original = (int[])data.Clone();
        using var array = MlxArray.FromArray(data, 2, 5);
        data[3] ^= 0x5A5A;
        Assert.That(array.ToArray<int>(), Is.EqualTo(original));
    }

    [Test]
    public void ToArrayReturnsAFreshArrayEachTime()
    {
        using var array = MlxArray.FromArray(new[] { 1.5f, -2f });
        float[] first = array.ToArray<float>();
        first[0] = 99;
        Assert.That(array.ToArray<float>(), Is.EqualTo(new[] { 1.5f, -2f }));
    }

    [Test]
    public void ToArrayWithTheWrongTypeNamesBoth()
    {
        using var array = MlxArray.FromArray(new[] { 1f, 2f });
        var error = Assert.Throws<ArgumentException>(() => array.ToArray<int>());
        Assert.That(error!.Message, Does.Contain("Int32").And.Contain("float32"));
        // Same size, different type: still refused.
        Assert.Throws<ArgumentException>(() => array.ToArray<uint>());
        Assert.Throws<ArgumentException>(() => array.ToArray<decimal>());
    }

    [Test]
    public void BoolAndUInt8AreDifferentDtypes()
    {
        using var array = MlxArray.FromArray(new[] { true, false, true });
        Assert.That(array.Dtype, Is.EqualTo(Dtype.Bool));
        Assert.Throws<ArgumentException>(() => array.ToArray<byte>());
        Assert.That(array.ToArray<bool>(), Is.EqualTo(new[] { true, false, true }));
    }

    [Test]
    public void UnsupportedElementTypesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => MlxArray.FromArray(new decimal[] { 1m }));
        Assert.Throws<ArgumentException>(() => MlxArray.FromArray(new char[] { 'a' }));
        Assert.Throws<ArgumentException>(() => MlxArray.Scalar(DateTime.UnixEpoch));
    }

    [Test]
    public void NullDataIsRejected() =>
        Assert.Throws<ArgumentNullException>(() => MlxArray.FromArray<int>(null!));

    [Test]
    public void NullShapeMeansOneDimension()
    {
        using var array = MlxArray.FromArray(new long[] { 4, 5, 6 }, null!);
        Assert.That(array.Shape, Is.EqualTo(new[] { 3 }));
    }
}
