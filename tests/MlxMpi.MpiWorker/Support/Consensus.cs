namespace MlxMpi.MpiWorker;

/// <summary>Compares per-rank values across a group by gathering them (used for exception messages, which
/// must be identical on every rank).</summary>
internal static class Consensus
{
    /// <summary>Gathers one Int64 from every member; index i is group rank i's value.</summary>
    public static long[] GatherInt64(Group group, long value)
    {
        using var mine = MlxArray.FromArray(new[] { value });
        var all = Distributed.AllGather(mine, group);
        try
        {
            return all.ToArray<long>();
        }
        finally
        {
            if (!ReferenceEquals(all, mine))
                all.Dispose();
        }
    }

    /// <summary>Fails unless every member holds the same text (compared through a stable hash).</summary>
    public static void ExpectSameText(ScenarioContext context, Group group, string text, string what)
    {
        var hashes = GatherInt64(group, (long)StableHash.Of(text));
        var differing = Enumerable.Range(0, hashes.Length).Where(r => hashes[r] != hashes[group.Rank]).ToList();
        if (differing.Count > 0)
            context.Fail($"{what} differs between group rank {group.Rank} and rank(s) {string.Join(", ", differing)}; here: \"{text}\"");
    }
}
