namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// A job with a straggler, for mlxmpi-diag's status: every rank does <see cref="WarmUpGathers"/> world gathers,
/// then world rank <see cref="StragglerRank"/> sleeps until the release file appears while the others enter the
/// next gather and wait in it. Released, every rank finishes that gather and checks its values, so the job ends
/// cleanly and shows that being watched did not disturb it.
/// </summary>
internal static class DiagStraggler
{
    public const int WarmUpGathers = 3;
    public const int StragglerRank = 1;

    [Scenario("diag_straggler", Suite.Diag)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        context.Info($"pid {Environment.ProcessId}"); // the test attaches to the ranks by pid
        for (var i = 0; i <= WarmUpGathers; i++)
        {
            if (i == WarmUpGathers)
            {
                if (world.Rank == StragglerRank)
                {
                    context.Info("straggling: sleeping before the last gather until released");
                    DiagGate.Wait(context, DiagGate.ReleaseVariable); // a failure is recorded; still join the gather
                }
                else
                {
                    context.Info("waiting in the last gather");
                }
            }
            HostArray Input(int rank) => TestData.Random(Dtype.Float32, [2, 3], context.SeedFor(rank, i));
            using var x = Dtypes.ToMlx(Input(world.Rank));
            using var y = Distributed.AllGather(x, world);
            context.ExpectValues(HostArray.AllGatherOf([.. Enumerable.Range(0, world.Size).Select(Input)]), y, $"gather {i}");
        }
    }
}
