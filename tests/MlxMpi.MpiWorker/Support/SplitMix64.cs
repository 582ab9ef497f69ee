namespace MlxMpi.MpiWorker;

/// <summary>
/// A tiny deterministic generator (SplitMix64). System.Random's sequence for a seed is not a documented
/// contract; this one is, so every rank (and a reader reproducing a failure) regenerates the same data.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, bound).</summary>
    public int NextInt(int bound) => (int)(Next() % (ulong)bound);

    public void Fill(Span<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i += 8)
        {
            var value = Next();
            for (var j = 0; j < 8 && i + j < bytes.Length; j++)
                bytes[i + j] = (byte)(value >> (8 * j));
        }
    }

    /// <summary>Mixes tags into a seed, so (seed, rank, case) names an independent stream.</summary>
    public static ulong Derive(ulong seed, params long[] tags)
    {
        var mixer = new SplitMix64(seed);
        var value = mixer.Next();
        foreach (var tag in tags)
        {
            mixer = new SplitMix64(value ^ (ulong)tag * 0xD1B54A32D192ED03UL);
            value = mixer.Next();
        }
        return value;
    }
}
