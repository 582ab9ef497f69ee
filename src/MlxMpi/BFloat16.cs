using System.Globalization;

namespace MlxMpi;

/// <summary>A brain floating-point number: the upper 16 bits of an IEEE float32 (1 sign, 8 exponent and
/// 7 mantissa bits), the element type of <see cref="Dtype.BFloat16"/>.</summary>
/// <remarks>
/// <para>It keeps float32's range with less precision, so converting from <see cref="float"/> only rounds the
/// mantissa: to nearest, ties to even, as MLX and the hardware that computes in bfloat16 do. Values too large
/// round to infinity; a NaN stays a NaN (quiet, sign kept).</para>
/// <para>Equality follows <see cref="Half"/>: the operators compare as IEEE numbers (NaN is unequal to
/// everything, +0 equals -0), while <see cref="Equals(BFloat16)"/> also treats every NaN as equal to every
/// other NaN, so that values can be used as dictionary keys and found in collections.
/// <see cref="Bits"/> compares representations exactly.</para>
/// </remarks>
public readonly struct BFloat16 : IEquatable<BFloat16>
{
    private const ushort ExponentMask = 0x7F80;
    private const ushort MantissaMask = 0x007F;
    private const ushort QuietBit = 0x0040;
    private const ushort MagnitudeMask = 0x7FFF;

    private readonly ushort _bits;

    private BFloat16(ushort bits) => _bits = bits;

    /// <summary>The raw 16-bit representation.</summary>
    public ushort Bits => _bits;

    /// <summary>Reinterprets <paramref name="bits"/> as a bfloat16 (no conversion).</summary>
    public static BFloat16 FromBits(ushort bits) => new(bits);

    /// <summary>Positive infinity.</summary>
    public static BFloat16 PositiveInfinity => new(0x7F80);

    /// <summary>Negative infinity.</summary>
    public static BFloat16 NegativeInfinity => new(0xFF80);

    /// <summary>A quiet NaN.</summary>
    public static BFloat16 NaN => new(0x7FC0);

    /// <summary>The largest finite value, about 3.39e38.</summary>
    public static BFloat16 MaxValue => new(0x7F7F);

    /// <summary>The most negative finite value.</summary>
    public static BFloat16 MinValue => new(0xFF7F);

    /// <summary>The smallest positive value (a subnormal), about 9.2e-41.</summary>
    public static BFloat16 Epsilon => new(0x0001);

    /// <summary>True when <paramref name="value"/> is a NaN.</summary>
    public static bool IsNaN(BFloat16 value) =>
        (value._bits & ExponentMask) == ExponentMask && (value._bits & MantissaMask) != 0;

    /// <summary>True when <paramref name="value"/> is positive or negative infinity.</summary>
    public static bool IsInfinity(BFloat16 value) => (value._bits & MagnitudeMask) == ExponentMask;

    /// <summary>Rounds <paramref name="value"/> to the nearest bfloat16, ties to even.</summary>
    public static explicit operator BFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            // Truncating could clear every mantissa bit that survives and turn the NaN into an infinity.
            return new((ushort)((bits >> 16) | QuietBit));
        }
        // Adding 0x7FFF plus the lowest kept bit rounds half-way cases towards the even result; a carry out of
        // the mantissa moves into the exponent, which is exactly how a value rounds up to the next binade or
        // to infinity.
        uint roundingBias = 0x7FFFu + ((bits >> 16) & 1u);
        return new((ushort)((bits + roundingBias) >> 16));
    }

    /// <summary>Widens <paramref name="value"/> to a float32; exact.</summary>
    public static explicit operator float(BFloat16 value) => BitConverter.UInt32BitsToSingle((uint)value._bits << 16);

    /// <summary>Rounds <paramref name="value"/> through float32 to the nearest bfloat16.</summary>
    /// <remarks>Rounding twice can differ from a single rounding in the last bit for a few doubles that
    /// lie extremely close to a half-way point between two bfloat16 values.</remarks>
    public static explicit operator BFloat16(double value) => (BFloat16)(float)value;

    /// <summary>Widens <paramref name="value"/> to a float64; exact.</summary>
    public static explicit operator double(BFloat16 value) => (float)value;

    /// <summary>IEEE equality: false when either is NaN; +0 equals -0.</summary>
    public static bool operator ==(BFloat16 left, BFloat16 right) =>
        !IsNaN(left) && !IsNaN(right) && (left._bits == right._bits || IsZero(left) && IsZero(right));

    /// <summary>IEEE inequality: true when either is NaN.</summary>
    public static bool operator !=(BFloat16 left, BFloat16 right) => !(left == right);

    /// <summary>True when both are the same number, or both are NaN (+0 equals -0).</summary>
    public bool Equals(BFloat16 other) => this == other || IsNaN(this) && IsNaN(other);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is BFloat16 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        // Values that Equals calls equal must hash alike: every NaN, and both zeros.
        if (IsNaN(this)) return NaN._bits;
        if (IsZero(this)) return 0;
        return _bits;
    }

    /// <summary>The value as <see cref="float"/> formats it in the current culture.</summary>
    public override string ToString() => ((float)this).ToString(CultureInfo.CurrentCulture);

    private static bool IsZero(BFloat16 value) => (value._bits & MagnitudeMask) == 0;
}
