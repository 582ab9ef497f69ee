namespace MlxMpi.MpiNetWorker;

/// <summary>Random blocks that any rank can recompute from (seed, world rank, length): every element is checked.</summary>
internal static class Data
{
    public static double[] Doubles(ulong seed, int worldRank, int length)
    {
        var random = For(seed, worldRank);
        return [.. Enumerable.Range(0, length).Select(_ => (random.NextDouble() - 0.5) * 1e6)];
    }

    public static int[] Ints(ulong seed, int worldRank, int length)
    {
        var random = For(seed, worldRank);
        return [.. Enumerable.Range(0, length).Select(_ => random.Next(int.MinValue, int.MaxValue))];
    }

    // System.Random with a seed is the same sequence in every process of one .NET version.
    private static Random For(ulong seed, int worldRank) => new(unchecked((int)(seed * 0x9E3779B97F4A7C15UL >> 33) ^ (worldRank * 7919)));
}
