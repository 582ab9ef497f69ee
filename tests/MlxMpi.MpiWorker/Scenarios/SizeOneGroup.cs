namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>Split(rank) puts every rank alone; on a group of one, MLX returns the input itself, not a copy.</summary>
internal static class SizeOneGroup
{
    [Scenario("size_one_group", Suite.General)] public static void Run(ScenarioContext context)
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

        // The other collectives, as MLX: x's values back (x itself for the plain calls); Send/Recv have no peer.
        context.Expect(ReferenceEquals(Distributed.AllSum(x, alone), x), "AllSum on a group of one did not return x itself");
        context.Expect(ReferenceEquals(Distributed.AllMax(x, alone), x), "AllMax on a group of one did not return x itself");
        context.Expect(ReferenceEquals(Distributed.AllMin(x, alone), x), "AllMin on a group of one did not return x itself");
        context.Expect(ReferenceEquals(Distributed.SumScatter(x, alone), x), "SumScatter on a group of one did not return x itself");
        using (var output = MlxArray.Zeros([4, 2], Dtype.Float32))
        {
            Distributed.AllSumInto(x, output, alone);
            context.ExpectValues(input, output, "AllSumInto on a group of one");
            Distributed.SumScatterInto(x, output, alone);
            context.ExpectValues(input, output, "SumScatterInto on a group of one");
        }
        using (var later = Distributed.AllSumAsync(x, alone).GetAwaiter().GetResult())
            context.ExpectValues(input, later, "AllSumAsync on a group of one");
        foreach (var (what, call) in new (string, Action)[]
                 {
                     ("Send", () => Distributed.Send(x, 0, alone)),
                     ("Recv", () => Distributed.Recv([4, 2], Dtype.Float32, 0, alone).Dispose()),
                 })
        {
            try
            {
                call();
                context.Fail($"{what} on a group of one did not throw");
            }
            catch (ArgumentException e)
            {
                context.Expect(e.Message.Contains("singleton", StringComparison.Ordinal), $"{what}: the message does not say why: {e.Message}");
            }
        }
        context.ExpectValues(input, x, "x after the group-of-one calls");
    }
}
