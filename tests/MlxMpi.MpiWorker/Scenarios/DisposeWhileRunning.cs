namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Issue: another thread disposed the input of a running sync AllGather (or the output of AllGatherInto, or the
/// input of AllSum) on one rank while rank 0 was still late: that rank threw after the header phase, the others
/// returned garbage in its block, and the next gather failed. Now the call leases every caller buffer before the
/// header phase, so the dispose waits for the call: every rank gets the right values, and the group stays in step.
/// Rank 0 joins each call 300 ms late; on the last rank a second thread disposes the array 100 ms into the call.
/// </summary>
internal static class DisposeWhileRunning
{
    [Scenario("dispose_while_running", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        var last = world.Size - 1;
        foreach (var count in new[] { 3, 4096 })
        {
            HostArray Input(int rank) => TestData.Random(Dtype.Float32, [count], context.SeedFor(rank, count));

            // The input of AllGather.
            var x = Dtypes.ToMlx(Input(world.Rank));
            var result = WithLateRankZero(context, () => DisposeSoon(world.Rank == last ? x : null), () => Distributed.AllGather(x, world));
            using (result)
                context.ExpectValues(HostArray.AllGatherOf([.. Enumerable.Range(0, world.Size).Select(Input)]), result, $"AllGather of {count} floats whose input was disposed during the call");
            x.Dispose();

            // The output of AllGatherInto: disposed meanwhile, so only the other ranks can look at their values.
            using (var y = Dtypes.ToMlx(Input(world.Rank)))
            {
                var output = MlxArray.Zeros([count * world.Size], Dtype.Float32);
                WithLateRankZero(context, () => DisposeSoon(world.Rank == last ? output : null), () => { Distributed.AllGatherInto(y, output, world); return output; });
                if (world.Rank != last)
                    context.ExpectValues(HostArray.AllGatherOf([.. Enumerable.Range(0, world.Size).Select(Input)]), output, $"AllGatherInto of {count} floats, output disposed on rank {last}");
                output.Dispose();
            }

            // The input of AllSum.
            var z = Dtypes.ToMlx(TestData.ExactSums(Dtype.Float32, [count], context.SeedFor(world.Rank, count, 2)));
            var sum = WithLateRankZero(context, () => DisposeSoon(world.Rank == last ? z : null), () => Distributed.AllSum(z, world));
            using (sum)
                context.ExpectValues(ReductionReference.Of(ReductionReference.Op.Sum,
                    [.. Enumerable.Range(0, world.Size).Select(r => TestData.ExactSums(Dtype.Float32, [count], context.SeedFor(r, count, 2)))]),
                    sum, $"AllSum of {count} floats whose input was disposed during the call");
            z.Dispose();
        }
        GatherCheck.Run(context, world, "after the disposals", r => TestData.Random(Dtype.Int16, [5], context.SeedFor(r, 9)));
    }

    private static MlxArray WithLateRankZero(ScenarioContext context, Func<Task> sideShow, Func<MlxArray> call)
    {
        if (context.World.Rank == 0)
            Thread.Sleep(300);
        var disposer = sideShow();
        var result = call();
        disposer.GetAwaiter().GetResult();
        return result;
    }

    private static Task DisposeSoon(MlxArray? array) =>
        array is null ? Task.CompletedTask : Task.Run(async () => { await Task.Delay(100); array.Dispose(); });
}
