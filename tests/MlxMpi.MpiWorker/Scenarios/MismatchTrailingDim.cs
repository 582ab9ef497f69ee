namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>The last rank passes a different trailing dimension ([4, 2] against [4, 3]): same dim 0, so a
/// check of dim 0 or of the element count of one row alone is not enough.</summary>
internal static class MismatchTrailingDim
{
    [Scenario("mismatch_trailing_dim", Suite.General)] public static void Run(ScenarioContext context)
    {
        int[] odd = [4, 2];
        MismatchCheck.Run(context,
            TestData.Random(Dtype.Float32, [4, 3], context.SeedFor(context.Rank)),
            TestData.Random(Dtype.Float32, odd, context.SeedFor(context.Rank)),
            message => MessageText.NamesShape(message, odd), "shape [4, 2]");
    }
}
