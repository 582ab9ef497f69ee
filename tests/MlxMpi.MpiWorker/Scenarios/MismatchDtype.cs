namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>The last rank passes Int32 where the others pass Float32: same shape and byte count, so only a
/// dtype comparison catches it.</summary>
internal static class MismatchDtype
{
    [Scenario("mismatch_dtype", Suite.General)] public static void Run(ScenarioContext context)
    {
        MismatchCheck.Run(context,
            TestData.Random(Dtype.Float32, [4, 3], context.SeedFor(context.Rank)),
            TestData.Random(Dtype.Int32, [4, 3], context.SeedFor(context.Rank)),
            message => MessageText.NamesDtype(message, Dtype.Int32), "dtype Int32");
    }
}
