namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Launched where Init must refuse (LaunchRefusalTests): a launcher started N &gt; 1 tasks that MlxMpi cannot join
/// (the shim cannot load, MLXMPI_MPI against the launcher, `srun --mpi=none`, a world of one after MPI_Init), or an
/// MLXMPI_* variable has a bad value. Init() with strict false, a second Init(), and Init(strict: true) must each
/// throw a DistributedException, with the same message; the message is printed whole for the test to check.
/// </summary>
internal static class InitRefused
{
    [Scenario("init_refused", Suite.InitRefused, NeedsWorld = false)] public static void Run(ScenarioContext context)
    {
        var first = Refusal(context, "Init()", () => Distributed.Init());
        var again = Refusal(context, "a second Init()", () => Distributed.Init());
        var strict = Refusal(context, "Init(strict: true)", () => Distributed.Init(strict: true));
        if (first is null)
            return;
        context.Info($"message: {first.ReplaceLineEndings(" ")}");
        context.ExpectEqual(again, first, "the second Init()'s message");
        context.ExpectEqual(strict, first, "Init(strict: true)'s message");
    }

    private static string? Refusal(ScenarioContext context, string what, Func<Group> init)
    {
        try
        {
            var group = init();
            context.Fail($"{what} returned a group of size {group.Size} (rank {group.Rank})");
        }
        catch (DistributedException e)
        {
            return e.Message;
        }
        catch (Exception e)
        {
            context.Fail($"{what} threw {Failures.Describe(e)}, expected a DistributedException");
        }
        return null;
    }
}
