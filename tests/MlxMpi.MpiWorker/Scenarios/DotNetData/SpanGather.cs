namespace MlxMpi.MpiWorker.Scenarios.DotNetData;

/// <summary>
/// The span and array overloads for every element type, on the inline (3 elements) and data-phase (1000) paths, an empty
/// span, the world and a split group: AllGather(ReadOnlySpan), AllGather(T[]), AllGatherInto into a poisoned output
/// (twice, so a reused output is overwritten whole), and MlxArray views of caller memory (FromMemory) through the
/// MlxArray AllGatherInto. Every element of every result is checked against every rank's regenerated input.
/// </summary>
internal static class SpanGather
{
    private static readonly int[] Lengths = [3, 1000, 0];

    [Scenario("span_gather", Suite.General)]
    public static void Run(ScenarioContext context)
    {
        using var half = context.World.Split(context.World.Rank % 2);
        foreach (var group in new[] { context.World, half })
            ElementTypes.ForEach(new Check(context, group));
    }

    private sealed class Check(ScenarioContext context, Group group) : IElementCheck
    {
        public void Run<T>(Dtype dtype) where T : unmanaged
        {
            foreach (var length in Lengths)
            {
                // Group rank r's input, regenerable on every rank: seeded by the world rank of that member.
                var members = MembersOf(group);
                T[] InputOf(int groupRank, int round) => ElementTypes.Random<T>(dtype, length, context.SeedFor(members[groupRank], (int)dtype, length, round));
                T[] Expected(int round) => [.. Enumerable.Range(0, group.Size).SelectMany(r => InputOf(r, round))];
                var what = $"{typeof(T).Name}[{length}] on a group of {group.Size}";

                var mine = InputOf(group.Rank, 0);
                ExpectSame(Expected(0), Distributed.AllGather((ReadOnlySpan<T>)mine, group), $"AllGather(span) {what}");
                ExpectSame(Expected(0), Distributed.AllGather(mine, group), $"AllGather(T[]) {what}");

                var output = ElementTypes.Random<T>(dtype, length * group.Size, context.SeedFor(-7, (int)dtype, length));
                for (var round = 1; round <= 2; round++)
                {
                    Distributed.AllGatherInto<T>(InputOf(group.Rank, round), output, group);
                    ExpectSame(Expected(round), output, $"AllGatherInto(span) round {round}, {what}");
                }

                // Views of caller memory: the gather reads `mine` in place and writes into `target` in place.
                var target = ElementTypes.Random<T>(dtype, length * group.Size, context.SeedFor(-8, (int)dtype, length));
                using (var x = MlxArray.FromMemory<T>(mine))
                using (var into = MlxArray.FromMemory<T>(target))
                    Distributed.AllGatherInto(x, into, group);
                ExpectSame(Expected(0), target, $"AllGatherInto(FromMemory views) {what}");
            }
        }

        private void ExpectSame<T>(T[] expected, T[] actual, string what) where T : unmanaged
        {
            var at = ElementTypes.FirstDifference<T>(expected, actual);
            if (at >= 0)
                context.Fail($"{what}: element {at} differs (expected {Show(expected, at)}, got {Show(actual, at)}; lengths {expected.Length}, {actual.Length})");
        }

        private static string Show<T>(T[] values, int at) => at < values.Length ? $"{values[at]}" : "nothing";
    }

    /// <summary>The world rank of each member of <paramref name="group"/>, in group-rank order.</summary>
    internal static long[] MembersOf(Group group) => Consensus.GatherInt64(group, Distributed.Init().Rank);
}
