namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>Every one of the 14 dtypes, in 1-D, 2-D and 3-D, with random per-rank data, element by element.</summary>
internal static class AllDtypes
{
    private static readonly int[][] Shapes = [[7], [3, 5], [2, 3, 4]];

    [Scenario("all_dtypes", Suite.General)] public static void Run(ScenarioContext context)
    {
        foreach (var dtype in Dtypes.All)
        {
            for (var s = 0; s < Shapes.Length; s++)
            {
                var shape = Shapes[s];
                GatherCheck.Run(context, context.World, $"{dtype}",
                    rank => TestData.Random(dtype, shape, context.SeedFor(rank, (int)dtype, s)));
            }
        }
    }
}
