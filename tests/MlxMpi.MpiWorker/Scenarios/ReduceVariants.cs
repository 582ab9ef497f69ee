namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// The forms beyond the plain call: ...Into a reused (poisoned) output, in place (output = x), Async, and strided
/// views (a transposed input is reduced by its logical values), inline-sized and not.
/// </summary>
internal static class ReduceVariants
{
    [Scenario("reduce_variants", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        foreach (var dtype in new[] { Dtype.Float32, Dtype.Int64, Dtype.Float16, Dtype.BFloat16, Dtype.Complex64, Dtype.UInt8, Dtype.Bool })
        {
            foreach (var shape in new[] { new[] { 2, 3 }, new[] { 40, 25 } })
            {
                HostArray Input(int rank, int tag) => TestData.ExactSums(dtype, shape, context.SeedFor(rank, (int)dtype, shape[0], tag));

                // Into the same output twice: the second call must overwrite every element of the first result.
                using var output = MlxArray.Zeros(shape, dtype);
                for (var round = 0; round < 2; round++)
                {
                    ReduceCheck.Run(context, world, $"AllSumInto round {round} {dtype}", ReductionReference.Op.Sum, rank => Input(rank, round),
                                    (x, g) => { Distributed.AllSumInto(x, output, g); return output; }, disposeResult: false);
                }
                ReduceCheck.Run(context, world, $"AllMaxInto {dtype}", ReductionReference.Op.Max, rank => Input(rank, 2),
                                (x, g) => { Distributed.AllMaxInto(x, output, g); return output; }, disposeResult: false);
                ReduceCheck.Run(context, world, $"AllMinInto {dtype}", ReductionReference.Op.Min, rank => Input(rank, 3),
                                (x, g) => { Distributed.AllMinInto(x, output, g); return output; }, disposeResult: false);

                // In place: x is its own output.
                var mine = Input(world.Rank, 4);
                using (var x = Dtypes.ToMlx(mine))
                {
                    Distributed.AllSumInto(x, x, world);
                    var expected = ReductionReference.Of(ReductionReference.Op.Sum, [.. Enumerable.Range(0, world.Size).Select(r => Input(r, 4))]);
                    context.ExpectValues(expected, x, $"AllSumInto(x, x) in place {dtype} {mine.Describe()}");
                }

                ReduceCheck.Run(context, world, $"AllSumAsync {dtype}", ReductionReference.Op.Sum, rank => Input(rank, 5),
                                (x, g) => Distributed.AllSumAsync(x, g).GetAwaiter().GetResult());
                ReduceCheck.Run(context, world, $"AllMaxAsync {dtype}", ReductionReference.Op.Max, rank => Input(rank, 6),
                                (x, g) => Distributed.AllMaxAsync(x, g).GetAwaiter().GetResult());
                ReduceCheck.Run(context, world, $"AllMinAsync {dtype}", ReductionReference.Op.Min, rank => Input(rank, 7),
                                (x, g) => Distributed.AllMinAsync(x, g).GetAwaiter().GetResult());
                ReduceCheck.Run(context, world, $"AllSum of a transposed view {dtype}", ReductionReference.Op.Sum, rank => Input(rank, 8),
                                view: h => h.Transpose([1, 0]));
            }
        }

        // Several async reductions in flight, each x disposed right after the call, awaited in reverse order.
        var tasks = new List<(Task<MlxArray> Task, int Tag)>();
        for (var tag = 0; tag < 8; tag++)
        {
            using var x = Dtypes.ToMlx(TestData.ExactSums(Dtype.Float32, [64], context.SeedFor(world.Rank, 100 + tag)));
            tasks.Add((Distributed.AllSumAsync(x, world), tag));
        }
        foreach (var (task, tag) in Enumerable.Reverse(tasks))
        {
            using var y = task.GetAwaiter().GetResult();
            var expected = ReductionReference.Of(ReductionReference.Op.Sum,
                [.. Enumerable.Range(0, world.Size).Select(r => TestData.ExactSums(Dtype.Float32, [64], context.SeedFor(r, 100 + tag)))]);
            context.ExpectValues(expected, y, $"AllSumAsync #{tag} (x disposed after the call)");
        }
    }
}
