namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// MLX's mpi_test_distributed.py test_all_reduce: all_sum of ones (2, 2, 4) is the group size everywhere, for
/// int8 to complex64, on the world and on Split(rank % 2); and test_mixed: all_sum over Split(rank / 2) then
/// all_gather over Split(rank % 2) of ones (1, 8) * rank gives rows 4i + 1.
/// </summary>
internal static class MlxAllReduce
{
    private static readonly Dtype[] MlxDtypes =
        [Dtype.Int8, Dtype.UInt8, Dtype.Int16, Dtype.UInt16, Dtype.Int32, Dtype.UInt32, Dtype.Float32, Dtype.Float16, Dtype.BFloat16, Dtype.Complex64];

    [Scenario("mlx_all_reduce", Suite.MlxPort)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        using var sub = world.Split(world.Rank % 2);
        foreach (var group in new[] { world, sub })
        {
            foreach (var dtype in MlxDtypes)
            {
                using var x = MlxArray.Ones([2, 2, 4], dtype);
                using var y = Distributed.AllSum(x, group);
                var expected = ReductionReference.Of(ReductionReference.Op.Sum, [.. Enumerable.Repeat(TestData.Ones(dtype, [2, 2, 4]), group.Size)]);
                context.ExpectValues(expected, y, $"all_sum(ones((2, 2, 4), {dtype})) over {group.Size} ranks (each element {group.Size})");
            }
        }
    }

    [Scenario("mlx_mixed", Suite.MlxPort)] public static void Mixed(ScenarioContext context)
    {
        var world = context.World;
        using var sub1 = world.Split(world.Rank / 2);
        using var sub2 = world.Split(world.Rank % 2);
        using var x = MlxArray.FromArray(Enumerable.Repeat((float)world.Rank, 8).ToArray(), 1, 8);
        using var y = Distributed.AllSum(x, sub1);
        using var z = Distributed.AllGather(y, sub2);
        context.ExpectEqual(string.Join(",", z.Shape), $"{(world.Size + 1) / 2},8", "z.shape");
        var values = z.ToArray<float>();
        for (var i = 0; i < values.Length; i++)
        {
            var row = i / 8;
            // Row r of z comes from sub1 number r: ranks 2r and 2r + 1 (the last alone when the size is odd).
            float expected = world.Size % 2 == 1 && row == world.Size / 2 ? 2 * row : 4 * row + 1;
            if (values[i] != expected)
            {
                context.Fail($"z[{row}, {i % 8}] = {values[i]}, expected {expected}");
                break;
            }
        }
    }

    [Scenario("mlx_send_recv", Suite.MlxPort)] public static void SendRecv(ScenarioContext context)
    {
        var world = context.World;
        using var pairs = world.Split(world.Rank / 2);
        if (pairs.Size < 2)
            return; // the last rank of an odd world has no partner
        var neighbor = (pairs.Rank + 1) % 2;
        var send = pairs.Rank == 0;
        var x = MlxArray.Ones([10], Dtype.Float32);
        for (var i = 0; i < 10; i++)
        {
            if (send)
            {
                using var doubled = MlxArray.FromArray(x.ToArray<float>().Select(v => 2 * v).ToArray());
                Distributed.Send(doubled, neighbor, pairs);
            }
            else
            {
                var received = Distributed.RecvLike(x, neighbor, pairs);
                x.Dispose();
                x = received;
            }
            send = !send;
        }
        using (x)
        {
            var expected = pairs.Rank == 0 ? 1024f : 512f;
            context.Expect(x.ToArray<float>().All(v => v == expected), $"after 10 exchanges x = [{string.Join(", ", x.ToArray<float>())}], expected all {expected}");
        }
    }
}
