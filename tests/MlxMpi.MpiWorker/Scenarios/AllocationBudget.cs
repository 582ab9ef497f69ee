namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Managed allocation per call in steady state, measured with GC.GetAllocatedBytesForCurrentThread over many
/// calls (deterministic, unlike time): AllGatherInto must allocate nothing, AllGather at most 256 bytes (the
/// result's MlxArray and its bookkeeping), on both the inline path and the data-phase path.
/// </summary>
internal static class AllocationBudget
{
    private const int Calls = 2000;

    [Scenario("allocation_budget", Suite.General, CollectiveHeavy = true)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        foreach (var elements in new[] { 2, 16 * 1024 })
        {
            using var x = Dtypes.ToMlx(TestData.Random(Dtype.Float32, [elements], context.SeedFor(world.Rank, elements)));
            using var output = Dtypes.ToMlx(TestData.Random(Dtype.Float32, [elements * world.Size], context.SeedFor(-1, elements)));

            var into = PerCall(() => Distributed.AllGatherInto(x, output, world));
            var gather = PerCall(() => Distributed.AllGather(x, world).Dispose());
            context.Info($"{elements * 4} bytes per rank: AllGatherInto {into:F2} B/call, AllGather {gather:F2} B/call");
            context.Expect(into == 0, $"AllGatherInto of {elements * 4} bytes allocated {into:F2} bytes per call; expected 0");
            context.Expect(gather <= 256, $"AllGather of {elements * 4} bytes allocated {gather:F2} bytes per call; expected <= 256");

            // The figures only count if the gathers were right.
            GatherCheck.Run(context, world, $"after the allocation loop ({elements})",
                r => TestData.Random(Dtype.Float32, [elements], context.SeedFor(r, elements)));
        }
    }

    private static double PerCall(Action call)
    {
        for (var i = 0; i < 200; i++)
            call();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls; i++)
            call();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Calls;
    }
}
