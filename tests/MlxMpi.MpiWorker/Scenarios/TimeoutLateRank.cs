namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// The watchdog fires, but the collective it fired on then completes: MLXMPI_TIMEOUT (1 s in WatchdogExitTests)
/// is set and the last rank joins one gather 1.3 s late. The other ranks' watchdogs report and decide to end the job,
/// the late rank arrives before their MPI_Abort, the gather completes and Main returns 0 on every rank. Once a
/// watchdog has said it ends the job, the job must still end non-zero: the test judges the exit code and stderr.
/// </summary>
internal static class TimeoutLateRank
{
    public static readonly TimeSpan Late = TimeSpan.FromMilliseconds(1300);

    [Scenario("timeout_late_rank", Suite.Timeouts)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        var limit = Distributed.CollectiveTimeout;
        context.Expect(limit != Timeout.InfiniteTimeSpan && limit < Late, $"CollectiveTimeout is {limit}: MLXMPI_TIMEOUT must be under {Late.TotalSeconds} s here");
        Faults.AnnounceProcess(context);
        using var group = world.Split(0);
        if (world.Rank == world.Size - 1)
        {
            Faults.Announce(context, $"rank {world.Rank} joins AllGather #1 {Late.TotalMilliseconds} ms late");
            Thread.Sleep(Late);
        }
        GatherCheck.Run(context, group, "the late gather", r => TestData.Random(Dtype.Int32, [4], context.SeedFor(r)));
        context.Info("the late gather completed");
    }
}
