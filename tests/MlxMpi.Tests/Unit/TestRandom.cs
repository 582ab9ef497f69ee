using NUnit.Framework;

namespace MlxMpi.Tests.Unit;

/// <summary>Random sources for tests: a fresh seed every run so repeated runs cover more values, printed so a
/// failure can be replayed with MLXMPI_TEST_SEED.</summary>
internal static class TestRandom
{
    public static Random Create()
    {
        string? fixedSeed = Environment.GetEnvironmentVariable("MLXMPI_TEST_SEED");
        int seed = fixedSeed is null ? Random.Shared.Next() : int.Parse(fixedSeed);
        TestContext.Out.WriteLine($"random seed {seed} (MLXMPI_TEST_SEED={seed} replays it)");
        return new Random(seed);
    }

    /// <summary>Random elements of every supported type. Never all zero: integers are random bit patterns with
    /// zeros replaced, floats are random finite non-zero values, bools hold both values.</summary>
    public static unsafe T[] Values<T>(Random rng, int length) where T : unmanaged
    {
        var values = new T[length];
        for (int i = 0; i < length; i++)
            values[i] = Value<T>(rng);
        if (typeof(T) == typeof(bool) && length > 0)
        {
            values[0] = (T)(object)true;
            if (length > 1)
                values[^1] = (T)(object)false;
        }
        return values;
    }

    public static unsafe T Value<T>(Random rng) where T : unmanaged
    {
        if (typeof(T) == typeof(bool)) return (T)(object)(rng.Next(2) == 1);
        if (typeof(T) == typeof(Half)) return (T)(object)(Half)NonZeroFloat(rng, 1000);
        if (typeof(T) == typeof(BFloat16)) return (T)(object)(BFloat16)NonZeroFloat(rng, 1e6f);
        if (typeof(T) == typeof(float)) return (T)(object)NonZeroFloat(rng, 1e6f);
        if (typeof(T) == typeof(double)) return (T)(object)((rng.NextDouble() - 0.5) * 1e12 + 0.25);
        if (typeof(T) == typeof(Complex64))
            return (T)(object)new Complex64(NonZeroFloat(rng, 1e4f), NonZeroFloat(rng, 1e4f));

        // Integer types: every bit pattern is a valid value.
        T value;
        do
        {
            rng.NextBytes(new Span<byte>(&value, sizeof(T)));
        } while (IsZero(value));
        return value;
    }

    private static float NonZeroFloat(Random rng, float scale)
    {
        float value = (rng.NextSingle() - 0.5f) * 2 * scale;
        return value == 0 ? 0.5f : value;
    }

    private static unsafe bool IsZero<T>(T value) where T : unmanaged
    {
        foreach (byte b in new ReadOnlySpan<byte>(&value, sizeof(T)))
        {
            if (b != 0)
                return false;
        }
        return true;
    }
}
