using MlxMpi.Collectives;

namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// A thread that blocks on a queued collective's task runs the queue itself, in order, up to that call
/// (CollectiveScheduler): start-then-wait gathers are run by the waiter (counted), tasks waited for in a different
/// order on each rank still pair the same calls, a wait with a timeout leaves the call to the worker, and sync calls
/// after all that run as before. Every element is checked.
/// </summary>
internal static class AsyncWaiterRuns
{
    [Scenario("async_waiter_runs", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        HostArray InputOf(int r, int i, int[] shape) => TestData.Random(Dtype.Float32, shape, context.SeedFor(r, i));
        HostArray ExpectedOf(int i, int[] shape) => HostArray.AllGatherOf([.. Enumerable.Range(0, world.Size).Select(r => InputOf(r, i, shape))]);

        // Start, then wait at once: the waiter runs the call (the worker would need a thread wake-up first).
        var before = CollectiveQueue.RunByWaiters;
        for (var i = 0; i < 300; i++)
        {
            int[] shape = [1 + i % 7, 3];
            using var x = Dtypes.ToMlx(InputOf(world.Rank, i, shape));
            using var y = Distributed.AllGatherAsync(x, world).GetAwaiter().GetResult();
            context.ExpectValues(ExpectedOf(i, shape), y, $"start-then-wait gather #{i}");
        }
        var byWaiters = CollectiveQueue.RunByWaiters - before;
        context.Info($"{byWaiters} of 300 start-then-wait gathers ran on the waiting thread");
        context.Expect(byWaiters > 0, "no start-then-wait gather ran on the waiting thread: every one waited for the worker to wake");

        // Six queued calls, small and large, waited for last-first on even ranks and first-first on odd ones: a waiter
        // runs everything queued before its call, so every rank still makes them in the order it started them.
        var started = new List<(Task<MlxArray> Task, HostArray Expected, string What)>();
        for (var i = 0; i < 6; i++)
        {
            int[] shape = i % 2 == 0 ? [2, 2] : [4096, 4];
            using var x = Dtypes.ToMlx(InputOf(world.Rank, 1000 + i, shape));
            started.Add((Distributed.AllGatherAsync(x, world), ExpectedOf(1000 + i, shape), $"queued gather #{i}"));
        }
        var order = world.Rank % 2 == 0 ? Enumerable.Range(0, 6).Reverse() : Enumerable.Range(0, 6);
        foreach (var k in order)
        {
            using var y = started[k].Task.GetAwaiter().GetResult();
            context.ExpectValues(started[k].Expected, y, $"{started[k].What}, waited for in rank {world.Rank}'s order");
        }

        // A wait with a timeout is not run inline (.NET inlines only untimed waits): the worker runs it.
        int[] timedShape = [5, 3];
        using (var x = Dtypes.ToMlx(InputOf(world.Rank, 2000, timedShape)))
        {
            var task = Distributed.AllGatherAsync(x, world);
            context.Expect(task.Wait(TimeSpan.FromSeconds(60)), "a gather waited for with a 60 s timeout did not finish");
            using var y = task.Result;
            context.ExpectValues(ExpectedOf(2000, timedShape), y, "a gather waited for with a timeout");
        }

        // A reduction through .Result, then sync calls: they run inline again.
        var values = Enumerable.Range(0, world.Size).Select(r => (double)(r + 1) * 1.5).ToArray();
        using (var v = MlxArray.FromArray(new[] { values[world.Rank] }))
        using (var sum = Distributed.AllSumAsync(v, world).Result)
            context.ExpectEqual(sum.ToArray<double>()[0], values.Sum(), "AllSumAsync(...).Result");
        GatherCheck.Run(context, world, "sync after the waited-for calls", r => InputOf(r, 3000, [3, 3]));
    }
}
