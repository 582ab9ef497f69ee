using System.Runtime.InteropServices;
using NUnit.Framework;

namespace MlxMpi.Tests.Unit;

public class Complex64Tests
{
    [Test]
    public void PartsAndLayout()
    {
        var value = new Complex64(1.5f, -2.25f);
        Assert.That(value.Real, Is.EqualTo(1.5f));
        Assert.That(value.Imaginary, Is.EqualTo(-2.25f));
        Assert.That(System.Runtime.CompilerServices.Unsafe.SizeOf<Complex64>(), Is.EqualTo(8));
        Assert.That(Marshal.SizeOf<Complex64>(), Is.EqualTo(8));
        Complex64[] values = [value, new Complex64(3f, 4f)];
        Assert.That(MemoryMarshal.Cast<Complex64, float>(values).ToArray(), Is.EqualTo(new[] { 1.5f, -2.25f, 3f, 4f }),
                    "real first, then imaginary, packed");
    }

    [Test]
    public void Equality()
    {
        var a = new Complex64(1f, 2f);
        Assert.That(a == new Complex64(1f, 2f), Is.True);
        Assert.That(a != new Complex64(1f, -2f), Is.True);
        Assert.That(a != new Complex64(2f, 2f), Is.True);
        Assert.That(a.Equals(new Complex64(1f, 2f)), Is.True);
        Assert.That(a.Equals((object)new Complex64(1f, 2f)), Is.True);
        Assert.That(a.Equals((object)1f), Is.False);
        Assert.That(a.GetHashCode(), Is.EqualTo(new Complex64(1f, 2f).GetHashCode()));
        var nan = new Complex64(float.NaN, 0f);
        var sameNaN = nan;
        Assert.That(nan == sameNaN, Is.False, "IEEE comparison of the parts");
        Assert.That(nan.Equals(sameNaN), Is.True, "Equals follows float.Equals");
        Assert.That(new Complex64(0f, 0f) == new Complex64(-0f, 0f), Is.True);
    }

    [Test]
    public void Conversions()
    {
        Complex64 real = 3f;
        Assert.That(real, Is.EqualTo(new Complex64(3f, 0f)));
        System.Numerics.Complex wide = new Complex64(1.5f, -0.5f);
        Assert.That(wide, Is.EqualTo(new System.Numerics.Complex(1.5, -0.5)));
        Assert.That((Complex64)new System.Numerics.Complex(0.25, 8), Is.EqualTo(new Complex64(0.25f, 8f)));
    }

    [TestCase(1f, 2f, "(1+2j)")]
    [TestCase(0.5f, -1f, "(0.5-1j)")]
    [TestCase(-3f, 0f, "(-3+0j)")]
    [TestCase(0f, -0f, "(0-0j)")]
    [TestCase(1f, float.NaN, "(1+NaNj)")]
    public void ToStringIsLikePython(float real, float imaginary, string expected) =>
        Assert.That(new Complex64(real, imaginary).ToString(), Is.EqualTo(expected));
}
