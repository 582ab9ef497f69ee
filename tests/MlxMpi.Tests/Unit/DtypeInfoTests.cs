using NUnit.Framework;

namespace MlxMpi.Tests.Unit;

public class DtypeInfoTests
{
    [TestCase(Dtype.Bool, 0, 1, "bool", typeof(bool))]
    [TestCase(Dtype.UInt8, 1, 1, "uint8", typeof(byte))]
    [TestCase(Dtype.UInt16, 2, 2, "uint16", typeof(ushort))]
    [TestCase(Dtype.UInt32, 3, 4, "uint32", typeof(uint))]
    [TestCase(Dtype.UInt64, 4, 8, "uint64", typeof(ulong))]
    [TestCase(Dtype.Int8, 5, 1, "int8", typeof(sbyte))]
    [TestCase(Dtype.Int16, 6, 2, "int16", typeof(short))]
    [TestCase(Dtype.Int32, 7, 4, "int32", typeof(int))]
    [TestCase(Dtype.Int64, 8, 8, "int64", typeof(long))]
    [TestCase(Dtype.Float16, 9, 2, "float16", typeof(Half))]
    [TestCase(Dtype.BFloat16, 10, 2, "bfloat16", typeof(BFloat16))]
    [TestCase(Dtype.Float32, 11, 4, "float32", typeof(float))]
    [TestCase(Dtype.Float64, 12, 8, "float64", typeof(double))]
    [TestCase(Dtype.Complex64, 13, 8, "complex64", typeof(Complex64))]
    public void DescribesEachDtype(Dtype dtype, int nativeValue, int size, string name, Type elementType)
    {
        Assert.That((int)dtype, Is.EqualTo(nativeValue), "values are frozen by the C shim's mlxmpi_dtype");
        Assert.That(DtypeInfo.SizeOf(dtype), Is.EqualTo(size));
        Assert.That(DtypeInfo.NameOf(dtype), Is.EqualTo(name));
        Assert.That(DtypeInfo.ElementType(dtype), Is.EqualTo(elementType));
        Assert.That(DtypeInfo.IsDefined(dtype), Is.True);
        Assert.That(System.Runtime.InteropServices.Marshal.SizeOf(elementType == typeof(bool) ? typeof(byte) : elementType),
                    Is.EqualTo(size), "the .NET element type has the dtype's size");
    }

    [Test]
    public void ThereAreFourteenDtypes() =>
        Assert.That(DtypeInfo.All, Has.Count.EqualTo(14));

    [TestCaseSource(typeof(DtypeCases), nameof(DtypeCases.All))]
    public void OfTheElementTypeGivesTheDtype(Dtype dtype) => DtypeCases.Run(this, nameof(CheckOf), dtype, dtype);

    private void CheckOf<T>(Dtype dtype) where T : unmanaged
    {
        Assert.That(DtypeInfo.Of<T>(), Is.EqualTo(dtype));
        Assert.That(System.Runtime.CompilerServices.Unsafe.SizeOf<T>(), Is.EqualTo(DtypeInfo.SizeOf(dtype)));
    }

    [Test]
    public void UnsupportedElementTypesAreRejectedByName()
    {
        var error = Assert.Throws<ArgumentException>(() => DtypeInfo.Of<decimal>());
        Assert.That(error!.Message, Does.Contain("System.Decimal"));
        Assert.Throws<ArgumentException>(() => DtypeInfo.Of<char>());
        Assert.Throws<ArgumentException>(() => DtypeInfo.Of<nint>());
    }

    [TestCase(-1)]
    [TestCase(14)]
    [TestCase(int.MaxValue)]
    public void UndefinedValuesAreNotDtypes(int value)
    {
        var dtype = (Dtype)value;
        Assert.That(DtypeInfo.IsDefined(dtype), Is.False);
        Assert.Throws<ArgumentOutOfRangeException>(() => DtypeInfo.SizeOf(dtype));
        Assert.Throws<ArgumentOutOfRangeException>(() => DtypeInfo.NameOf(dtype));
        Assert.Throws<ArgumentOutOfRangeException>(() => DtypeInfo.ElementType(dtype));
    }
}
