namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>Payload sizes from 0 to 320 bytes, one byte apart, then 8 bytes apart in Float64: wherever the
/// library switches from the inline path (payload inside the header slot) to a second collective, both sides
/// of the switch and the switch itself get checked.</summary>
internal static class InlineBoundary
{
    [Scenario("inline_boundary", Suite.General)] public static void Run(ScenarioContext context)
    {
        for (var length = 0; length <= 320; length++)
        {
            GatherCheck.Run(context, context.World, $"{length} bytes",
                rank => TestData.Random(Dtype.UInt8, [length], context.SeedFor(rank, length)));
        }
        for (var length = 1; length <= 40; length++)
        {
            GatherCheck.Run(context, context.World, $"{length} doubles",
                rank => TestData.Random(Dtype.Float64, [length, 1], context.SeedFor(rank, 1000 + length)));
        }
    }
}
