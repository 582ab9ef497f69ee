namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// AllSum, AllMax and AllMin for all 14 dtypes, 0-d to 3-d, empty, inline-sized and larger than the header slot,
/// on the world and on Split(rank % 2), with random data whose sums are exact: every element checked bit for bit.
/// </summary>
internal static class ReduceAllDtypes
{
    private static readonly int[][] Shapes = [[], [0], [3], [2, 3, 4], [1000], [33, 7]];

    [Scenario("reduce_all_dtypes", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        using var half = world.Split(world.Rank % 2);
        foreach (var group in new[] { world, half })
        {
            foreach (var dtype in Dtypes.All)
            {
                foreach (var op in Enum.GetValues<ReductionReference.Op>())
                {
                    for (var s = 0; s < Shapes.Length; s++)
                    {
                        var shape = Shapes[s];
                        var tag = group == world ? 0 : 1;
                        ReduceCheck.Run(context, group, $"{(tag == 0 ? "world" : "half")} {dtype}", op,
                                        rank => TestData.ExactSums(dtype, shape, context.SeedFor(tag, rank, (int)dtype, (int)op, s)));
                    }
                }
            }
        }
    }
}
