namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// AllGatherInto for every dtype, on the inline (small) and data-phase (large) paths and on a split group: a
/// poisoned output must end up holding exactly the concatenation, and reusing the same output must work.
/// </summary>
internal static class GatherInto
{
    private static readonly int[][] Shapes = [[3], [2, 5], [160, 33]];

    [Scenario("gather_into", Suite.General)] public static void Run(ScenarioContext context)
    {
        using var half = context.World.Split(context.World.Rank % 2);
        foreach (var group in new[] { context.World, half })
        {
            foreach (var dtype in Dtypes.All)
            {
                for (var s = 0; s < Shapes.Length; s++)
                {
                    var shape = Shapes[s];
                    var resultShape = (int[])shape.Clone();
                    resultShape[0] *= group.Size;
                    // The same output twice: the second gather must overwrite the first completely.
                    using var output = Dtypes.ToMlx(TestData.Random(dtype, resultShape, context.SeedFor(-1, group.Size, s)));
                    for (var round = 0; round < 2; round++)
                    {
                        GatherCheck.Run(context, group, $"{dtype} into (round {round})",
                            r => TestData.Random(dtype, shape, context.SeedFor(r, (int)dtype, s, round, group.Size)),
                            (x, g) => { Distributed.AllGatherInto(x, output, g); return output; },
                            disposeResult: false);
                    }
                }
            }
        }
    }
}
