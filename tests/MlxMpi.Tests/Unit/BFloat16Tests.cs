using NUnit.Framework;

namespace MlxMpi.Tests.Unit;

public class BFloat16Tests
{
    [TestCase(1.0f, (ushort)0x3F80)]
    [TestCase(-2.0f, (ushort)0xC000)]
    [TestCase(0.5f, (ushort)0x3F00)]
    [TestCase(0.0f, (ushort)0x0000)]
    [TestCase(-0.0f, (ushort)0x8000)]
    [TestCase(3.0f, (ushort)0x4040)]
    [TestCase(float.PositiveInfinity, (ushort)0x7F80)]
    [TestCase(float.NegativeInfinity, (ushort)0xFF80)]
    public void KnownValuesHaveKnownBits(float value, ushort bits)
    {
        var converted = (BFloat16)value;
        Assert.That(converted.Bits, Is.EqualTo(bits));
        Assert.That(BitConverter.SingleToUInt32Bits((float)BFloat16.FromBits(bits)),
                    Is.EqualTo(BitConverter.SingleToUInt32Bits(value)), "exactly representable values widen back");
    }

    [TestCase(0x3F808000u, (ushort)0x3F80, TestName = "a tie rounds down to even")]
    [TestCase(0x3F818000u, (ushort)0x3F82, TestName = "a tie rounds up to even")]
    [TestCase(0x3F808001u, (ushort)0x3F81, TestName = "just above a tie rounds up")]
    [TestCase(0x3F807FFFu, (ushort)0x3F80, TestName = "just below a tie rounds down")]
    [TestCase(0xBF818000u, (ushort)0xBF82, TestName = "negative ties round to even magnitude")]
    [TestCase(0x3FFFFFFFu, (ushort)0x4000, TestName = "a carry moves into the exponent")]
    [TestCase(0x7F7FFFFFu, (ushort)0x7F80, TestName = "float.MaxValue rounds to infinity")]
    [TestCase(0x7F7F7FFFu, (ushort)0x7F7F, TestName = "just below the rounding point stays finite")]
    [TestCase(0x00008000u, (ushort)0x0000, TestName = "a subnormal tie rounds to even zero")]
    [TestCase(0x00018000u, (ushort)0x0002, TestName = "a subnormal tie rounds to even")]
    public void RoundsToNearestEven(uint floatBits, ushort expected) =>
        Assert.That(((BFloat16)BitConverter.UInt32BitsToSingle(floatBits)).Bits, Is.EqualTo(expected));

    [TestCase(0x7FC00000u, (ushort)0x7FC0)]
    [TestCase(0x7F800001u, (ushort)0x7FC0)]
    [TestCase(0xFF800001u, (ushort)0xFFC0)]
    [TestCase(0x7FFFFFFFu, (ushort)0x7FFF)]
    [TestCase(0x7FA50000u, (ushort)0x7FE5)]
    public void NaNStaysNaN(uint floatBits, ushort expected)
    {
        var converted = (BFloat16)BitConverter.UInt32BitsToSingle(floatBits);
        Assert.That(converted.Bits, Is.EqualTo(expected), "quiet, with the sign and the high payload bits kept");
        Assert.That(BFloat16.IsNaN(converted), Is.True);
        Assert.That(float.IsNaN((float)converted), Is.True);
    }

    [Test]
    public void EveryBitPatternWidensAndNarrowsBackUnchanged()
    {
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            var value = BFloat16.FromBits((ushort)bits);
            var back = (BFloat16)(float)value;
            if (BFloat16.IsNaN(value))
                Assert.That(BFloat16.IsNaN(back), Is.True, $"0x{bits:X4}");
            else if (back.Bits != bits)
                Assert.Fail($"0x{bits:X4} came back as 0x{back.Bits:X4}");
        }
    }

    [Test]
    public void RandomFloatsRoundToTheNearerNeighbour()
    {
        var rng = TestRandom.Create();
        for (int i = 0; i < 100_000; i++)
        {
            float value = BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32));
            if (!float.IsFinite(value))
                continue;
            ushort below = (ushort)(BitConverter.SingleToUInt32Bits(value) >> 16);
            double low = (float)BFloat16.FromBits(below);
            var next = BFloat16.FromBits((ushort)(below + 1));
            // Past the largest finite value the next step up is infinity, which sits where 2^128 would be.
            double high = BFloat16.IsInfinity(next) ? Math.CopySign(Math.Pow(2, 128), value) : (float)next;
            double distanceLow = Math.Abs(value - low);
            double distanceHigh = Math.Abs(high - value);
            ushort expected = distanceLow < distanceHigh ? below
                : distanceHigh < distanceLow ? (ushort)(below + 1)
                : (below & 1) == 0 ? below : (ushort)(below + 1);
            ushort actual = ((BFloat16)value).Bits;
            if (actual != expected)
                Assert.Fail($"0x{BitConverter.SingleToUInt32Bits(value):X8} gave 0x{actual:X4}, expected 0x{expected:X4}");
        }
    }

    [Test]
    public void OperatorsCompareAsNumbersAndEqualsAsValues()
    {
        var one = (BFloat16)1f;
        var otherNaN = BFloat16.FromBits(0xFFC1);
        Assert.That(one == (BFloat16)1f, Is.True);
        Assert.That(one != (BFloat16)2f, Is.True);
        Assert.That(BFloat16.NaN == BFloat16.NaN, Is.False, "IEEE: NaN is unequal to itself");
        Assert.That(BFloat16.NaN != BFloat16.NaN, Is.True);
        Assert.That(BFloat16.NaN.Equals(otherNaN), Is.True, "Equals treats all NaNs alike, as Half does");
        Assert.That(BFloat16.NaN.GetHashCode(), Is.EqualTo(otherNaN.GetHashCode()));
        var zero = (BFloat16)0f;
        var negativeZero = (BFloat16)(-0f);
        Assert.That(zero == negativeZero, Is.True);
        Assert.That(zero.Equals(negativeZero), Is.True);
        Assert.That(zero.GetHashCode(), Is.EqualTo(negativeZero.GetHashCode()));
        Assert.That(zero.Bits, Is.Not.EqualTo(negativeZero.Bits));
        Assert.That(one.Equals((object)(BFloat16)1f), Is.True);
        Assert.That(one.Equals((object)1f), Is.False);
    }

    [Test]
    public void ConstantsAndConversions()
    {
        Assert.That((float)BFloat16.PositiveInfinity, Is.EqualTo(float.PositiveInfinity));
        Assert.That((float)BFloat16.NegativeInfinity, Is.EqualTo(float.NegativeInfinity));
        Assert.That(BFloat16.IsInfinity(BFloat16.PositiveInfinity), Is.True);
        Assert.That(BFloat16.IsInfinity(BFloat16.MaxValue), Is.False);
        Assert.That((float)BFloat16.MaxValue, Is.EqualTo(3.3895314e38f));
        Assert.That((float)BFloat16.MinValue, Is.EqualTo(-3.3895314e38f));
        Assert.That((float)BFloat16.Epsilon, Is.GreaterThan(0f));
        Assert.That(((BFloat16)1.5).Bits, Is.EqualTo((ushort)0x3FC0));
        Assert.That((double)(BFloat16)0.25f, Is.EqualTo(0.25));
        Assert.That(((BFloat16)2.5f).ToString(), Is.EqualTo(2.5f.ToString()));
        Assert.That(System.Runtime.CompilerServices.Unsafe.SizeOf<BFloat16>(), Is.EqualTo(2));
    }
}
