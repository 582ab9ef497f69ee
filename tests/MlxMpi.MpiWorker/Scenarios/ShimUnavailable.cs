namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Run without a launcher in an environment where the shim cannot load (the test points MLXMPI_NATIVE_PATH at a
/// missing file, or hides libmpi): IsAvailable() is false, Init() still gives the singleton world, and
/// Init(strict: true) throws a DistributedException that says why. The message is printed for the test to check.
/// </summary>
internal static class ShimUnavailable
{
    [Scenario("shim_unavailable", Suite.ShimUnavailable, NeedsWorld = false)] public static void Run(ScenarioContext context)
    {
        context.Expect(!Distributed.IsAvailable(), "IsAvailable() is true although the shim cannot load");
        var world = Distributed.Init();
        context.ExpectEqual((world.Rank, world.Size), (0, 1), "the fallback world");
        try
        {
            Distributed.Init(strict: true);
            context.Fail("Init(strict: true) returned although the shim cannot load");
        }
        catch (DistributedException e)
        {
            // One line, so the test can find it whole.
            context.Info($"strict message: {e.Message.ReplaceLineEndings(" ")}");
        }
    }
}
