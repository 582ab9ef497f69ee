namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>Split(rank) puts every rank alone; on a group of one, MLX returns the input itself, not a copy.</summary>
internal static class SizeOneGroup
{
    [Scenario("size_one_group", Suite.General)]
    public static void Run(ScenarioContext context)
    {
        var world = context.World;
        using var alone = world.Split(world.Rank);
        context.ExpectEqual(alone.Size, 1, "Split(rank).Size");
        context.ExpectEqual(alone.Rank, 0, "Split(rank).Rank");

        var input = TestData.Random(Dtype.Float32, [4, 2], context.SeedFor(world.Rank));
        using var x = Dtypes.ToMlx(input);
        context.Expect(ReferenceEquals(Distributed.AllGather(x, alone), x), "AllGather on a group of one did not return x itself");
        context.Expect(ReferenceEquals(Distributed.AllGather(x, alone, Device.Cpu), x), "AllGather(x, group, Device.Cpu) on a group of one did not return x itself");
        context.ExpectValues(input, x, "x after gathering it alone");
    }
}
