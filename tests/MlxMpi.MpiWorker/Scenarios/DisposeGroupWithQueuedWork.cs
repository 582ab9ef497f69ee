namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Issue: <c>using (var sub = world.Split(0)) t = Distributed.AllGatherAsync(x, sub);</c> then awaiting t crashed
/// Open MPI (the queued gather used the freed communicator) and threw under MPICH. Now every queued or running call
/// holds the communicator, so disposing the group defers its free: both queued gathers complete with the right
/// values, and a new call on the disposed group throws ObjectDisposedException.
/// </summary>
internal static class DisposeGroupWithQueuedWork
{
    [Scenario("dispose_group_with_queued_work", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        HostArray Input(int rank, int tag) => TestData.Random(Dtype.Int32, [tag + 2, 3], context.SeedFor(rank, tag));
        using var x = Dtypes.ToMlx(Input(world.Rank, 0));
        using var x2 = Dtypes.ToMlx(Input(world.Rank, 1));
        if (world.Rank == 0)
            Thread.Sleep(200); // the other ranks' gathers are still waiting when they dispose the group
        Task<MlxArray> first, second;
        Group disposedGroup;
        using (var sub = world.Split(0))
        {
            first = Distributed.AllGatherAsync(x, sub);
            second = Distributed.AllGatherAsync(x2, sub);
            disposedGroup = sub;
        }
        using (var a = first.GetAwaiter().GetResult())
            context.ExpectValues(HostArray.AllGatherOf([.. Enumerable.Range(0, world.Size).Select(r => Input(r, 0))]), a, "the first gather queued on a disposed group");
        using (var b = second.GetAwaiter().GetResult())
            context.ExpectValues(HostArray.AllGatherOf([.. Enumerable.Range(0, world.Size).Select(r => Input(r, 1))]), b, "the second gather queued on a disposed group");
        try
        {
            Distributed.AllGather(x, disposedGroup).Dispose();
            context.Fail("AllGather on a disposed group did not throw");
        }
        catch (ObjectDisposedException)
        {
        }
        GatherCheck.Run(context, world, "on the world afterwards", r => Input(r, 2));
    }
}
