namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// AllGatherUneven with a random row count per rank (0 included) for every dtype, small enough to travel in the
/// header and large enough for the data phase (and a mix of the two across ranks), on the world and on a split
/// group; 0-d inputs count as one row. Every element is checked against the concatenation.
/// </summary>
internal static class UnevenRandom
{
    [Scenario("uneven_random", Suite.General)] public static void Run(ScenarioContext context)
    {
        using var half = context.World.Split(context.World.Rank % 2, key: -context.World.Rank + 100);
        foreach (var group in new[] { context.World, half })
        {
            foreach (var dtype in Dtypes.All)
            {
                // Rows 0..3 keep every payload inline; up to 400 rows of 40 columns needs the data phase for most ranks.
                foreach (var (maxRows, columns) in new[] { (3, 2), (400, 40) })
                {
                    var tag = (long)maxRows * 1000 + (int)dtype;
                    Check(context, group, $"{dtype} up to {maxRows}x{columns}", r =>
                    {
                        var rows = (int)(context.SeedFor(r, tag, group.Size) % (ulong)(maxRows + 1));
                        return TestData.Random(dtype, [rows, columns], context.SeedFor(r, tag, 1));
                    });
                }
            }
            // 0-d scalars on even group ranks, one-element and three-element vectors on the others.
            Check(context, group, "scalars and vectors", r =>
                TestData.Random(Dtype.Float64, r % 2 == 0 ? [] : [r % 4 == 1 ? 1 : 3], context.SeedFor(r, 5)));
        }
    }

    internal static void Check(ScenarioContext context, Group group, string what, Func<int, HostArray> inputOfGroupRank)
    {
        var mine = inputOfGroupRank(group.Rank);
        using var x = Dtypes.ToMlx(mine);
        var y = Distributed.AllGatherUneven(x, group);
        try
        {
            var blocks = Enumerable.Range(0, group.Size).Select(inputOfGroupRank)
                .Select(b => b.Shape.Length == 0 ? new HostArray(b.Dtype, [1], b.Bytes) : b).ToList();
            context.ExpectValues(HostArray.Concat(blocks), y, $"{what} over {group.Size} ranks (rows {string.Join(", ", blocks.Select(b => b.Shape[0]))})");
            context.ExpectValues(mine, x, $"{what}: the input after the gather");
        }
        finally
        {
            if (!ReferenceEquals(x, y))
                y.Dispose();
        }
    }
}
