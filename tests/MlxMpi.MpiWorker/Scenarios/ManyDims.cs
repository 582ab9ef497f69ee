namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Shapes with more dimensions than the 64-byte header slot describes (8) take the header's second round: gathers
/// at 7 to 12, 64 and 1024 dimensions (AllGather, AllGatherInto and AllGatherUneven), every element checked; a
/// mismatch in the 11th dimension on the last rank, which only the second round can see; and 1025 dimensions on
/// the last rank, past the limit, which that rank reports as an ArgumentException and every other rank as a
/// CollectiveMismatchException naming it, after which the group still gathers correctly.
/// </summary>
internal static class ManyDims
{
    private const int Limit = 1024;

    [Scenario("many_dims", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        foreach (var ndim in new[] { 7, 8, 9, 12, 64, Limit })
        {
            var shape = Spread(ndim, 3);
            GatherCheck.Run(context, world, $"AllGather of {ndim} dims",
                rank => TestData.Random(Dtype.Int16, shape, context.SeedFor(rank, ndim)));
            GatherInto(context, world, shape, ndim);
            Uneven(context, world, ndim);
        }

        int[] common = [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3];
        int[] odd = [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4];
        MismatchCheck.Run(context,
            TestData.Random(Dtype.Float32, common, context.SeedFor(world.Rank, 1)),
            TestData.Random(Dtype.Float32, odd, context.SeedFor(world.Rank, 1)),
            message => MessageText.NamesShape(message, odd), "11-d shape");

        TooManyDims(context, world);
    }

    /// <summary>A shape of <paramref name="ndim"/> dimensions, mostly 1, with 2s and <paramref name="last"/> spread out
    /// so that every part of the description matters.</summary>
    private static int[] Spread(int ndim, int last)
    {
        var shape = Enumerable.Repeat(1, ndim).ToArray();
        shape[0] = 2;
        shape[ndim / 2] = 2;
        shape[ndim - 1] = last;
        return shape;
    }

    private static void GatherInto(ScenarioContext context, Group world, int[] shape, int ndim)
    {
        var mine = TestData.Random(Dtype.Int32, shape, context.SeedFor(world.Rank, ndim, 2));
        using var x = Dtypes.ToMlx(mine);
        var resultShape = (int[])shape.Clone();
        resultShape[0] *= world.Size;
        using var output = Dtypes.ToMlx(TestData.Random(Dtype.Int32, resultShape, context.SeedFor(world.Rank, ndim, 3)));
        Distributed.AllGatherInto(x, output, world);
        var expected = HostArray.AllGatherOf(Enumerable.Range(0, world.Size)
            .Select(rank => TestData.Random(Dtype.Int32, shape, context.SeedFor(rank, ndim, 2))).ToArray()).Bytes;
        var got = System.Runtime.InteropServices.MemoryMarshal.AsBytes(output.ToArray<int>().AsSpan()).ToArray();
        var wrong = Enumerable.Range(0, got.Length).FirstOrDefault(i => got[i] != expected[i], -1);
        context.Expect(got.Length == expected.Length && wrong < 0, $"AllGatherInto of {ndim} dims: byte {wrong} differs");
        context.Expect(output.Shape.SequenceEqual(resultShape), $"AllGatherInto of {ndim} dims changed the output's shape");
    }

    private static void Uneven(ScenarioContext context, Group world, int ndim)
    {
        int RowsOf(int rank) => rank % 3; // rank 0 contributes no rows
        var inputs = Enumerable.Range(0, world.Size)
            .Select(rank => TestData.Random(Dtype.UInt8, WithRows(Spread(ndim, 5), RowsOf(rank)), context.SeedFor(rank, ndim, 4)))
            .ToArray();
        using var x = Dtypes.ToMlx(inputs[world.Rank]);
        using var result = Distributed.AllGatherUneven(x, world);
        var expectedShape = WithRows(Spread(ndim, 5), Enumerable.Range(0, world.Size).Sum(RowsOf));
        context.Expect(result.Shape.SequenceEqual(expectedShape), $"AllGatherUneven of {ndim} dims: shape {result}");
        var expected = inputs.SelectMany(input => input.Bytes).ToArray();
        context.Expect(result.ToArray<byte>().SequenceEqual(expected), $"AllGatherUneven of {ndim} dims: wrong elements");
    }

    private static int[] WithRows(int[] shape, int rows)
    {
        shape[0] = rows;
        return shape;
    }

    private static void TooManyDims(ScenarioContext context, Group world)
    {
        var last = world.Size - 1;
        var shape = Enumerable.Repeat(1, Limit + 1).ToArray();
        using var x = Dtypes.ToMlx(TestData.Random(Dtype.Int8, world.Rank == last ? shape : [1], context.SeedFor(world.Rank, 5)));
        var message = "";
        try
        {
            Distributed.AllGather(x, world).Dispose();
            context.Fail("a gather with 1025 dimensions on the last rank returned");
        }
        catch (ArgumentException e) when (world.Rank == last)
        {
            context.Expect(e.Message.Contains("1024") && e.Message.Contains("1025"), $"rank {last}'s exception does not give the limit and the count: {e.Message}");
        }
        catch (CollectiveMismatchException e) when (world.Rank != last)
        {
            message = e.Message;
            context.Expect(e.Ranks.SequenceEqual([last]) && MessageText.NamesRank(message, last) && message.Contains("1025"),
                           $"the mismatch does not name rank {last} and its 1025 dimensions: {message}");
        }
        catch (Exception e)
        {
            context.Fail($"1025 dimensions on rank {last}: rank {world.Rank} got {Failures.Describe(e)}");
        }
        GatherCheck.Run(context, world, "after too many dimensions",
            rank => TestData.Random(Dtype.Float64, [2, 2], context.SeedFor(rank, 6)));
    }
}
