namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// The last rank cancels an async gather before it starts: its task ends cancelled, the other ranks' tasks fail
/// with CollectiveMismatchException naming it (they do not hang), and the next gather on the group is right.
/// </summary>
internal static class AsyncCancel
{
    [Scenario("async_cancel", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        var last = world.Size - 1;
        using var x = Dtypes.ToMlx(TestData.Random(Dtype.Int32, [4, 4], context.SeedFor(world.Rank)));
        using var cancel = new CancellationTokenSource();
        if (world.Rank == last)
            cancel.Cancel();
        var task = Distributed.AllGatherAsync(x, world, cancellationToken: cancel.Token);
        if (world.Rank == last)
            context.Expect(task.IsCanceled, $"the task cancelled before it started is {task.Status}, expected Canceled at once");
        try
        {
            task.GetAwaiter().GetResult().Dispose();
            context.Fail($"the gather completed although rank {last} cancelled it");
        }
        catch (OperationCanceledException) when (world.Rank == last)
        {
        }
        catch (CollectiveMismatchException e) when (world.Rank != last)
        {
            context.Expect(e.Ranks.SequenceEqual([last]), $"Ranks is [{string.Join(", ", e.Ranks)}], expected [{last}]");
            context.Expect(e.Message.Contains("cancel"), $"the message does not say the gather was cancelled: {e.Message}");
        }
        catch (Exception e)
        {
            context.Fail($"unexpected {Failures.Describe(e)}");
        }

        // Cancelling after completion changes nothing; the group works, sync and async.
        GatherCheck.Run(context, world, "sync after the cancelled gather", r => TestData.Random(Dtype.Int32, [2, 2], context.SeedFor(r, 1)));
        GatherCheck.Run(context, world, "async after the cancelled gather", r => TestData.Random(Dtype.Int32, [2, 2], context.SeedFor(r, 2)),
            (input, group) => Distributed.AllGatherAsync(input, group).GetAwaiter().GetResult());
    }
}
