namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>Zero-element inputs: a zero first dimension stays zero, a zero trailing dimension keeps the
/// multiplied first dimension; nothing is sent, and nothing may hang or fail.</summary>
internal static class EmptyDim0
{
    private static readonly int[][] Shapes = [[0, 3], [0], [0, 2, 5], [2, 0]];

    public static void Run(ScenarioContext context)
    {
        foreach (var dtype in new[] { Dtype.Float32, Dtype.Int64, Dtype.Bool })
        {
            foreach (var shape in Shapes)
                GatherCheck.Run(context, context.World, $"empty {dtype}", _ => TestData.Random(dtype, shape, 0));
        }
        // And the group still gathers real data afterwards.
        GatherCheck.Run(context, context.World, "after empty gathers",
            rank => TestData.Random(Dtype.Int32, [3], context.SeedFor(rank)));
    }
}
