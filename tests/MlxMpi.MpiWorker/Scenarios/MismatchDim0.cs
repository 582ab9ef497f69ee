namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>The last rank passes a different first dimension ([5, 3] against [4, 3]).</summary>
internal static class MismatchDim0
{
    public static void Run(ScenarioContext context)
    {
        int[] odd = [5, 3];
        MismatchCheck.Run(context,
            TestData.Random(Dtype.Float32, [4, 3], context.SeedFor(context.Rank)),
            TestData.Random(Dtype.Float32, odd, context.SeedFor(context.Rank)),
            message => MessageText.NamesShape(message, odd), "shape [5, 3]");
    }
}
