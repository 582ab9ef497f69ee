namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// SumScatter for every dtype: rank k gets rows [k*m, (k+1)*m) of the sum, m = dimension 0 / group size; inline and
/// larger, 1-d and 3-d, Into a reused output, Async; on the world and Split(rank % 2). Then the shape errors: a 0-d
/// input and dimension 0 not divisible by the group size throw ArgumentException on every rank, and the group
/// still works.
/// </summary>
internal static class SumScatterDtypes
{
    [Scenario("sum_scatter", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        using var half = world.Split(world.Rank % 2);
        foreach (var group in new[] { world, half })
        {
            var n = group.Size;
            foreach (var dtype in Dtypes.All)
            {
                foreach (var shape in new[] { new[] { n }, new[] { 2 * n, 3, 2 }, new[] { 100 * n, 7 } })
                {
                    HostArray Input(int rank) => TestData.ExactSums(dtype, shape, context.SeedFor(group == world ? 0 : 1, rank, (int)dtype, shape[0]));
                    var mine = Input(group.Rank);
                    var whole = ReductionReference.Of(ReductionReference.Op.Sum, [.. Enumerable.Range(0, n).Select(Input)]);
                    var expected = ReductionReference.Rows(whole, group.Rank, n);
                    using var x = Dtypes.ToMlx(mine);
                    var y = Distributed.SumScatter(x, group);
                    context.ExpectValues(expected, y, $"SumScatter {mine.Describe()} over {n} ranks");
                    if (!ReferenceEquals(x, y))
                        y.Dispose();

                    var outShape = (int[])shape.Clone();
                    outShape[0] /= n;
                    using var output = MlxArray.Zeros(outShape, dtype);
                    Distributed.SumScatterInto(x, output, group);
                    context.ExpectValues(expected, output, $"SumScatterInto {mine.Describe()} over {n} ranks");
                    using var later = Distributed.SumScatterAsync(x, group).GetAwaiter().GetResult();
                    context.ExpectValues(expected, later, $"SumScatterAsync {mine.Describe()} over {n} ranks");
                    context.ExpectValues(mine, x, "the input after SumScatter");
                }
            }
        }

        ExpectArgumentError(context, world, MlxArray.Scalar(1.5f), "0-d");
        ExpectArgumentError(context, world, MlxArray.Ones([world.Size + 1, 2], Dtype.Float32), "divisible");
        using var after = Dtypes.ToMlx(TestData.ExactSums(Dtype.Int32, [world.Size], context.SeedFor(world.Rank, 99)));
        using var share = Distributed.SumScatter(after, world);
        var total = ReductionReference.Of(ReductionReference.Op.Sum,
            [.. Enumerable.Range(0, world.Size).Select(r => TestData.ExactSums(Dtype.Int32, [world.Size], context.SeedFor(r, 99)))]);
        context.ExpectValues(ReductionReference.Rows(total, world.Rank, world.Size), share, "SumScatter after the shape errors");
    }

    private static void ExpectArgumentError(ScenarioContext context, Group world, MlxArray x, string needle)
    {
        using (x)
        {
            try
            {
                Distributed.SumScatter(x, world).Dispose();
                context.Fail($"SumScatter of shape ({string.Join(", ", x.Shape)}) on {world.Size} ranks did not throw");
            }
            catch (ArgumentException e) when (e.Message.Contains(needle, StringComparison.Ordinal))
            {
            }
            catch (Exception e)
            {
                context.Fail($"SumScatter of shape ({string.Join(", ", x.Shape)}): expected ArgumentException mentioning \"{needle}\", got {Failures.Describe(e)}");
            }
        }
    }
}
