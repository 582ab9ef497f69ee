using System.Globalization;
using System.Runtime.InteropServices;

namespace MlxMpi;

/// <summary>A complex number of two float32 values, the element type of <see cref="Dtype.Complex64"/>.</summary>
/// <remarks>The layout is fixed (real part first, then imaginary, 8 bytes, 4-byte aligned) because elements are
/// copied to and from native memory as raw bytes, matching MLX's <c>complex64_t</c> and C's
/// <c>float _Complex</c>. Equality follows <see cref="float"/>: the operators compare as IEEE numbers, while
/// <see cref="Equals(Complex64)"/> treats NaN parts as equal to NaN parts.</remarks>
[StructLayout(LayoutKind.Sequential, Size = 8)]
public readonly struct Complex64 : IEquatable<Complex64>
{
    private readonly float _real;
    private readonly float _imaginary;

    /// <summary>Creates <paramref name="real"/> + <paramref name="imaginary"/>·i.</summary>
    public Complex64(float real, float imaginary)
    {
        _real = real;
        _imaginary = imaginary;
    }

    /// <summary>The real part.</summary>
    public float Real => _real;

    /// <summary>The imaginary part.</summary>
    public float Imaginary => _imaginary;

    /// <summary>A real number with no imaginary part.</summary>
    public static implicit operator Complex64(float real) => new(real, 0f);

    /// <summary>Widens to <see cref="System.Numerics.Complex"/>; exact.</summary>
    public static implicit operator System.Numerics.Complex(Complex64 value) => new(value._real, value._imaginary);

    /// <summary>Narrows each part of <paramref name="value"/> to float32, rounding to nearest.</summary>
    public static explicit operator Complex64(System.Numerics.Complex value) =>
        new((float)value.Real, (float)value.Imaginary);

    /// <summary>IEEE equality of both parts.</summary>
    public static bool operator ==(Complex64 left, Complex64 right) =>
        left._real == right._real && left._imaginary == right._imaginary;

    /// <summary>True when either part differs (or is NaN).</summary>
    public static bool operator !=(Complex64 left, Complex64 right) => !(left == right);

    /// <summary>True when both parts are equal as <see cref="float.Equals(float)"/> says (NaN equals NaN).</summary>
    public bool Equals(Complex64 other) => _real.Equals(other._real) && _imaginary.Equals(other._imaginary);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Complex64 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_real, _imaginary);

    /// <summary>Formats like Python and MLX do, e.g. <c>(1+2j)</c> or <c>(0.5-1j)</c>, culture-invariant.</summary>
    public override string ToString()
    {
        var inv = CultureInfo.InvariantCulture;
        string real = _real.ToString(inv);
        // A NaN imaginary part has no sign worth showing; -0 shows as "-0j" like Python.
        if (float.IsNaN(_imaginary))
            return $"({real}+NaNj)";
        bool negative = float.IsNegative(_imaginary);
        string imaginary = Math.Abs(_imaginary).ToString(inv);
        return $"({real}{(negative ? '-' : '+')}{imaginary}j)";
    }
}
