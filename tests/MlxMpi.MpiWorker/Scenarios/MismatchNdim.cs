namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>The last rank passes one more dimension ([4, 3, 1] against [4, 3]): same element count and byte
/// count, so only a shape comparison catches it.</summary>
internal static class MismatchNdim
{
    [Scenario("mismatch_ndim", Suite.General)] public static void Run(ScenarioContext context)
    {
        int[] odd = [4, 3, 1];
        MismatchCheck.Run(context,
            TestData.Random(Dtype.Float32, [4, 3], context.SeedFor(context.Rank)),
            TestData.Random(Dtype.Float32, odd, context.SeedFor(context.Rank)),
            message => MessageText.NamesShape(message, odd), "shape [4, 3, 1]");
    }
}
