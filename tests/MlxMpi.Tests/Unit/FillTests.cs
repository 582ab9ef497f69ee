using NUnit.Framework;

namespace MlxMpi.Tests.Unit;

public class FillTests
{
    [TestCaseSource(typeof(DtypeCases), nameof(DtypeCases.All))]
    public void OnesAndZerosHoldTheDtypesOneAndZero(Dtype dtype) => DtypeCases.Run(this, nameof(CheckFill), dtype, dtype);

    private void CheckFill<T>(Dtype dtype) where T : unmanaged
    {
        int[] shape = [3, 1, 5];
        using var ones = MlxArray.Ones(shape, dtype);
        using var zeros = MlxArray.Zeros(shape, dtype);
        Assert.That(ones.Dtype, Is.EqualTo(dtype));
        Assert.That(zeros.Shape, Is.EqualTo(shape));
        Assert.That(ones.ToArray<T>(), Is.EqualTo(Enumerable.Repeat(OneOf<T>(), 15)));
        Assert.That(zeros.ToArray<T>(), Is.EqualTo(Enumerable.Repeat(default(T), 15)));
    }

    private static T OneOf<T>() where T : unmanaged => (T)(typeof(T) switch
    {
        var t when t == typeof(bool) => (object)true,
        var t when t == typeof(byte) => (byte)1,
        var t when t == typeof(ushort) => (ushort)1,
        var t when t == typeof(uint) => 1u,
        var t when t == typeof(ulong) => 1ul,
        var t when t == typeof(sbyte) => (sbyte)1,
        var t when t == typeof(short) => (short)1,
        var t when t == typeof(int) => 1,
        var t when t == typeof(long) => 1L,
        var t when t == typeof(Half) => (Half)1,
        var t when t == typeof(BFloat16) => (BFloat16)1f,
        var t when t == typeof(float) => 1f,
        var t when t == typeof(double) => 1.0,
        var t when t == typeof(Complex64) => new Complex64(1, 0),
        _ => throw new ArgumentException(typeof(T).Name),
    });

    // The bytes of one element of 1, little-endian, from the formats' definitions rather than from .NET.
    [TestCase(Dtype.Bool, "01")]
    [TestCase(Dtype.UInt8, "01")]
    [TestCase(Dtype.Int16, "0100")]
    [TestCase(Dtype.UInt32, "01000000")]
    [TestCase(Dtype.Int64, "0100000000000000")]
    [TestCase(Dtype.Float16, "003C")]
    [TestCase(Dtype.BFloat16, "803F")]
    [TestCase(Dtype.Float32, "0000803F")]
    [TestCase(Dtype.Float64, "000000000000F03F")]
    [TestCase(Dtype.Complex64, "0000803F00000000")]
    public unsafe void OnesHaveTheExpectedBitPattern(Dtype dtype, string elementHex)
    {
        using var ones = MlxArray.Ones([2, 3], dtype);
        var bytes = new byte[ones.NBytes];
        fixed (byte* destination = bytes)
            ones.CopyLogicalBytesTo(destination);
        Assert.That(Convert.ToHexString(bytes), Is.EqualTo(string.Concat(Enumerable.Repeat(elementHex, 6))));
    }

    [Test]
    public void ZeroDimensionalAndEmptyFills()
    {
        using var scalarOne = MlxArray.Ones([], Dtype.Float64);
        Assert.That(scalarOne.Item<double>(), Is.EqualTo(1.0));
        using var empty = MlxArray.Zeros([4, 0], Dtype.Int32);
        Assert.That(empty.Size, Is.Zero);
        Assert.That(empty.ToArray<int>(), Is.Empty);
    }

    [Test]
    public void InvalidArgumentsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => MlxArray.Ones([2, -1], Dtype.Float32));
        Assert.Throws<ArgumentException>(() => MlxArray.Zeros([-3], Dtype.Float32));
        Assert.Throws<ArgumentException>(() => MlxArray.Ones([2], (Dtype)14));
        Assert.Throws<ArgumentException>(() => MlxArray.Zeros([2], (Dtype)(-1)));
        Assert.Throws<ArgumentNullException>(() => MlxArray.Ones(null!, Dtype.Int8));
    }
}
