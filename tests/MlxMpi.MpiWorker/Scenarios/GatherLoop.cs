namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// 200 gathers of random dtypes and shapes (the same on every rank, drawn from the shared seed), alternating
/// the world and a subgroup. Every result is checked at once and again at the end: a library that reuses
/// result buffers must not overwrite results the caller still holds.
/// </summary>
internal static class GatherLoop
{
    private const int Iterations = 200;

    [Scenario("gather_loop", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        var members = SplitModel.Members(world.Size, world.Rank, color: r => r % 2, key: r => r);
        using var byParity = world.Split(world.Rank % 2);
        var kept = new List<(MlxArray Result, HostArray Expected, string What)>();
        try
        {
            for (var i = 0; i < Iterations; i++)
            {
                var rng = new SplitMix64(context.SeedFor(-1, i));
                var dtype = Dtypes.All[rng.NextInt(Dtypes.All.Count)];
                var shape = RandomShape(ref rng);
                var onWorld = i % 3 != 2;
                var group = onWorld ? world : byParity;
                int WorldRankOf(int groupRank) => onWorld ? groupRank : members[groupRank];
                HostArray Input(int groupRank) => TestData.Random(dtype, shape, context.SeedFor(WorldRankOf(groupRank), i));

                using var x = Dtypes.ToMlx(Input(group.Rank));
                var y = Distributed.AllGather(x, group);
                var expected = HostArray.AllGatherOf([.. Enumerable.Range(0, group.Size).Select(Input)]);
                var what = $"iteration {i}: {dtype}[{string.Join(", ", shape)}] on {(onWorld ? "world" : "Split(rank % 2)")}";
                context.ExpectValues(expected, y, what);
                if (ReferenceEquals(x, y))
                    continue; // a group of one returns x, which this iteration disposes
                kept.Add((y, expected, what));
            }
            foreach (var (result, expected, what) in kept)
                context.ExpectValues(expected, result, $"{what}, re-read after all {Iterations} gathers");
        }
        finally
        {
            foreach (var (result, _, _) in kept)
                result.Dispose();
        }
    }

    // Mostly small shapes of 0 to 3 dimensions with some zero lengths; every 25th a larger one.
    private static int[] RandomShape(ref SplitMix64 rng)
    {
        var ndim = rng.NextInt(4);
        var shape = new int[ndim];
        for (var d = 0; d < ndim; d++)
            shape[d] = rng.NextInt(7);
        if (rng.NextInt(25) == 0)
            shape = [64 + rng.NextInt(64), 129];
        return shape;
    }
}
