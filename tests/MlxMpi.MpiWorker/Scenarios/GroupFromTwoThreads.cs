namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Issue: same-shape gathers from two threads on one group silently paired different calls across ranks (996 of 1000
/// mixed). Now a second thread that starts a call on a group while another thread is inside one gets an
/// InvalidOperationException at once, touching no other rank, and the first call completes normally.
/// </summary>
internal static class GroupFromTwoThreads
{
    [Scenario("group_from_two_threads", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        HostArray Input(int rank) => TestData.Random(Dtype.Float64, [4], context.SeedFor(rank));
        using var x = Dtypes.ToMlx(Input(world.Rank));
        if (world.Rank == 0)
        {
            Thread.Sleep(400); // the other ranks' first thread waits for rank 0 inside the gather
            using var alone = Distributed.AllGather(x, world);
            context.ExpectValues(HostArray.AllGatherOf([.. Enumerable.Range(0, world.Size).Select(Input)]), alone, "rank 0's one gather");
            return;
        }
        using var started = new ManualResetEventSlim();
        var inside = Task.Run(() =>
        {
            started.Set();
            return Distributed.AllGather(x, world);
        });
        started.Wait();
        Thread.Sleep(100);
        try
        {
            Distributed.AllGather(x, world).Dispose();
            context.Fail("a second thread's gather on a group in use did not throw");
        }
        catch (InvalidOperationException e)
        {
            context.Expect(e.Message.Contains("two threads", StringComparison.Ordinal), $"the message does not say why: {e.Message}");
        }
        using var result = inside.GetAwaiter().GetResult();
        context.ExpectValues(HostArray.AllGatherOf([.. Enumerable.Range(0, world.Size).Select(Input)]), result, "the first thread's gather");
    }
}
