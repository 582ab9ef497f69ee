namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Async gathers on two groups and two streams, interleaved with sync ones, all started in the same order on every
/// rank: each result must be right, and the inputs may be disposed as soon as the async call returns.
/// </summary>
internal static class AsyncOrder
{
    [Scenario("async_order", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        using var half = world.Split(world.Rank % 2);
        var streamA = Stream.DefaultFor(Device.Cpu);
        var streamB = Stream.FromNative(Device.Cpu, 0);
        var pending = new List<(Task<MlxArray> Task, HostArray Expected, string What)>();
        for (var i = 0; i < 24; i++)
        {
            var group = i % 3 == 1 ? half : world;
            var dtype = Dtypes.All[i % Dtypes.All.Count];
            int[] shape = i % 4 == 0 ? [300, 17] : [2, 3];
            HostArray InputOf(int r) => TestData.Random(dtype, shape, context.SeedFor(r, i, group.Size));
            var expected = HostArray.AllGatherOf([.. Enumerable.Range(0, group.Size).Select(InputOf)]);
            if (i % 5 == 4)
            {
                // A sync gather in the middle: it must wait for the async ones started before it.
                GatherCheck.Run(context, group, $"sync #{i}", InputOf);
                continue;
            }
            var x = Dtypes.ToMlx(InputOf(group.Rank));
            pending.Add((Distributed.AllGatherAsync(x, group, i % 2 == 0 ? streamA : streamB), expected, $"async #{i} {dtype}"));
            x.Dispose(); // allowed: the gather holds its own handle
        }
        foreach (var (task, expected, what) in pending)
        {
            try
            {
                using var y = task.GetAwaiter().GetResult();
                context.ExpectValues(expected, y, what);
            }
            catch (Exception e)
            {
                context.Fail($"{what} failed: {Failures.Describe(e)}");
            }
        }
    }
}
