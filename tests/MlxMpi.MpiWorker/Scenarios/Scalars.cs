namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>A 0-d input gathers to shape [size], holding each rank's value in rank order.</summary>
internal static class Scalars
{
    [Scenario("scalars", Suite.General)] public static void Run(ScenarioContext context)
    {
        foreach (var dtype in Dtypes.All)
        {
            GatherCheck.Run(context, context.World, $"0-d {dtype}",
                rank => TestData.Random(dtype, [], context.SeedFor(rank, (int)dtype)));
        }
    }
}
