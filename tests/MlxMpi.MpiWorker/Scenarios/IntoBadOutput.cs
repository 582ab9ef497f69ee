namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// AllGatherInto with a wrong output on the last rank only (wrong dim 0, wrong trailing dim, wrong dtype, a
/// strided view, null, disposed): that rank throws an ArgumentException (or ObjectDisposedException), every other
/// rank a CollectiveMismatchException naming it; no rank's output is written; then a correct gather works.
/// </summary>
internal static class IntoBadOutput
{
    private static readonly string[] Cases = ["dim0", "trailing", "dtype", "strided", "null", "disposed"];

    [Scenario("into_bad_output", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        var last = world.Size - 1;
        for (var c = 0; c < Cases.Length; c++)
        {
            using var x = Dtypes.ToMlx(TestData.Random(Dtype.Float32, [4, 6], context.SeedFor(world.Rank, c)));
            var poison = TestData.Random(Dtype.Float32, [4 * world.Size, 6], context.SeedFor(world.Rank, c, 99));
            var output = world.Rank == last ? BadOutput(Cases[c], world.Size, context.SeedFor(c)) : Dtypes.ToMlx(poison);
            try
            {
                Distributed.AllGatherInto(x, output!, world);
                context.Fail($"{Cases[c]}: AllGatherInto returned although rank {last} passed a bad output");
            }
            catch (Exception e) when (world.Rank == last)
            {
                context.Expect(e is ArgumentException or ObjectDisposedException,
                    $"{Cases[c]}: the rank with the bad output got {Failures.Describe(e)}; expected ArgumentException or ObjectDisposedException");
            }
            catch (CollectiveMismatchException e)
            {
                context.Expect(e.Ranks.SequenceEqual([last]), $"{Cases[c]}: Ranks is [{string.Join(", ", e.Ranks)}], expected [{last}]");
                context.Expect(MessageText.NamesRank(e.Message, last), $"{Cases[c]}: the message does not name rank {last}: {e.Message}");
                context.Expect(e.Message.Contains("output"), $"{Cases[c]}: the message does not mention the output: {e.Message}");
                context.ExpectValues(poison, output!, $"{Cases[c]}: the output after the failed gather (must be untouched)");
            }
            catch (Exception e)
            {
                context.Fail($"{Cases[c]}: expected CollectiveMismatchException, got {Failures.Describe(e)}");
            }
            finally
            {
                output?.Dispose();
            }
        }

        using var good = Dtypes.ToMlx(TestData.Random(Dtype.Int32, [2 * world.Size, 3], context.SeedFor(-7)));
        GatherCheck.Run(context, world, "into after the bad outputs",
            r => TestData.Random(Dtype.Int32, [2, 3], context.SeedFor(r, 77)),
            (x, g) => { Distributed.AllGatherInto(x, good, g); return good; },
            disposeResult: false);
    }

    private static MlxArray? BadOutput(string kind, int size, ulong seed)
    {
        switch (kind)
        {
            case "dim0": return Dtypes.ToMlx(TestData.Random(Dtype.Float32, [4 * size + 1, 6], seed));
            case "trailing": return Dtypes.ToMlx(TestData.Random(Dtype.Float32, [4 * size, 5], seed));
            case "dtype": return Dtypes.ToMlx(TestData.Random(Dtype.Int32, [4 * size, 6], seed));
            case "strided":
                using (var wide = Dtypes.ToMlx(TestData.Random(Dtype.Float32, [6, 4 * size], seed)))
                    return wide.Transpose();
            case "null": return null;
            default:
                var disposed = Dtypes.ToMlx(TestData.Random(Dtype.Float32, [4 * size, 6], seed));
                disposed.Dispose();
                return disposed;
        }
    }
}
