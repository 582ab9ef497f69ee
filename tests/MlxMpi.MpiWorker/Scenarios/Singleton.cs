namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Run without any launcher: Init(strict: false) gives a singleton world (rank 0 of 1) and never starts MPI;
/// Init(strict: true) throws, telling to launch with mpiexec, before and after that; a gather on the
/// singleton returns the input itself.
/// </summary>
internal static class Singleton
{
    [Scenario("singleton", Suite.Standalone, NeedsWorld = false)] public static void Run(ScenarioContext context)
    {
        context.Info($"IsAvailable() = {Distributed.IsAvailable()}");
        ExpectStrictInitThrows(context, "before Init(strict: false)");

        var world = Distributed.Init(strict: false);
        context.ExpectEqual(world.Rank, 0, "singleton Rank");
        context.ExpectEqual(world.Size, 1, "singleton Size");
        context.Expect(ReferenceEquals(Distributed.Init(), world), "a second Init() returned a different Group");

        ExpectStrictInitThrows(context, "after Init(strict: false)");

        var input = TestData.Random(Dtype.Int32, [3, 2], context.SeedFor(0));
        using var x = Dtypes.ToMlx(input);
        context.Expect(ReferenceEquals(Distributed.AllGather(x), x), "AllGather(x) on the singleton world did not return x itself");
        context.Expect(ReferenceEquals(Distributed.AllGather(x, world), x), "AllGather(x, world) on the singleton world did not return x itself");
        context.ExpectValues(input, x, "x after gathering it alone");
    }

    private static void ExpectStrictInitThrows(ScenarioContext context, string when)
    {
        try
        {
            var group = Distributed.Init(strict: true);
            context.Fail($"Init(strict: true) {when} returned a group of size {group.Size} outside any launcher");
        }
        catch (DistributedException e)
        {
            context.Expect(e.Message.Contains("mpiexec", StringComparison.OrdinalIgnoreCase),
                $"Init(strict: true) {when}: the message does not tell to launch with mpiexec: {e.Message}");
        }
        catch (Exception e)
        {
            context.Fail($"Init(strict: true) {when}: expected a DistributedException, got {Failures.Describe(e)}");
        }
    }
}
