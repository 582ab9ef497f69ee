namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Exactly <see cref="Gathers"/> world gathers, for checking mlxmpi-diag's counters against a known count: the
/// ranks wait for the start file (so the test can attach first and see every gather in the rate counter), gather,
/// then wait for the release file so the test can read the counters of a quiet, still-running job.
/// </summary>
internal static class DiagCountedGathers
{
    public const int Gathers = 40;

    [Scenario("diag_counted_gathers", Suite.Diag)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        context.Info($"pid {Environment.ProcessId}"); // the test attaches to the ranks by pid
        if (!DiagGate.Wait(context, DiagGate.StartVariable))
            return; // every rank sees the same missing variable, so all skip alike
        for (var i = 0; i < Gathers; i++)
        {
            // Alternate inline (header-phase) and two-phase sizes: both paths must count once per call.
            int[] shape = i % 2 == 0 ? [3] : [64, 33];
            HostArray Input(int rank) => TestData.Random(Dtype.Int32, shape, context.SeedFor(rank, i));
            using var x = Dtypes.ToMlx(Input(world.Rank));
            using var y = Distributed.AllGather(x, world);
            context.ExpectValues(HostArray.AllGatherOf([.. Enumerable.Range(0, world.Size).Select(Input)]), y, $"gather {i}");
        }
        context.Info($"did {Gathers} gathers; waiting for release");
        DiagGate.Wait(context, DiagGate.ReleaseVariable);
    }
}
