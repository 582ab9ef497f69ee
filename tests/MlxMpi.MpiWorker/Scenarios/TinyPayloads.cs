namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>One element per rank, every dtype: the smallest payload, which rides inline in the header slot.</summary>
internal static class TinyPayloads
{
    [Scenario("tiny_payloads", Suite.General)] public static void Run(ScenarioContext context)
    {
        foreach (var dtype in Dtypes.All)
        {
            GatherCheck.Run(context, context.World, $"one {dtype}",
                rank => TestData.Random(dtype, [1], context.SeedFor(rank, (int)dtype)));
        }
    }
}
