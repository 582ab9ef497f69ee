namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>A transposed view is not contiguous; the gather must send its logical row-major values, not its
/// underlying buffer. Small views fit the header slot (inline path); the last case is large enough to need
/// the separate data collective, which must not send the view's buffer as it lies in memory.</summary>
internal static class TransposedViews
{
    private static readonly (int[] Shape, int[] Axes)[] Cases =
    [
        ([3, 5], [1, 0]),
        ([2, 3, 4], [2, 1, 0]),
        ([2, 3, 4], [1, 0, 2]),
        ([4, 2, 3], [0, 2, 1]),
        ([96, 130], [1, 0]),
    ];

    [Scenario("transposed_views", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        foreach (var dtype in new[] { Dtype.Float32, Dtype.Int16, Dtype.Complex64, Dtype.UInt8 })
        {
            for (var c = 0; c < Cases.Length; c++)
            {
                var (shape, axes) = Cases[c];
                HostArray Base(int rank) => TestData.Random(dtype, shape, context.SeedFor(rank, (int)dtype, c));
                var what = $"{dtype}[{string.Join(", ", shape)}].Transpose({string.Join(", ", axes)})";

                var mine = Base(world.Rank);
                using var source = Dtypes.ToMlx(mine);
                using var view = source.Transpose(axes);
                context.ExpectValues(mine.Transpose(axes), view, $"{what} before gathering (the view itself)");

                var y = Distributed.AllGather(view, world);
                var expected = HostArray.AllGatherOf([.. Enumerable.Range(0, world.Size).Select(r => Base(r).Transpose(axes))]);
                context.ExpectValues(expected, y, $"gathered {what}");
                y.Dispose();
            }
        }

        // No axes reverses them (numpy's and MLX's default).
        var input = TestData.Random(Dtype.Float64, [2, 3, 5], context.SeedFor(world.Rank, 99));
        using var array = Dtypes.ToMlx(input);
        using var reversed = array.Transpose();
        using var gathered = Distributed.AllGather(reversed, world);
        var all = HostArray.AllGatherOf([.. Enumerable.Range(0, world.Size)
            .Select(r => TestData.Random(Dtype.Float64, [2, 3, 5], context.SeedFor(r, 99)).Transpose([2, 1, 0]))]);
        context.ExpectValues(all, gathered, "gathered Transpose() of Float64[2, 3, 5]");
    }
}
