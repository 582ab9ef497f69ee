namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>3 MiB per rank (the non-inline path, beyond any eager limit of the transport), every element
/// checked; plus an odd byte count so nothing assumes whole words or pages.</summary>
internal static class LargePayload
{
    [Scenario("large_payload", Suite.General)] public static void Run(ScenarioContext context)
    {
        GatherCheck.Run(context, context.World, "3 MiB",
            rank => TestData.Random(Dtype.Float32, [768, 1024], context.SeedFor(rank, 1)));
        GatherCheck.Run(context, context.World, "3 MiB + 1 byte",
            rank => TestData.Random(Dtype.UInt8, [3 * 1024 * 1024 + 1], context.SeedFor(rank, 2)));
    }
}
