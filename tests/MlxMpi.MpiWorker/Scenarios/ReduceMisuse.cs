namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Beyond MLX, for the reductions as for AllGather: the last rank alone passes another shape, another dtype, a null
/// or disposed array, a wrong Into output, or calls another reduction (a desync). Every rank throws (the odd rank
/// its own exception where it failed locally, the others CollectiveMismatchException naming it, with the same
/// message), and the world still reduces correctly after each case.
/// </summary>
internal static class ReduceMisuse
{
    private delegate void Call(MlxArray? x, Group group);

    [Scenario("reduce_misuse", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        var last = world.Size - 1;
        var odd = world.Rank == last;
        var common = TestData.ExactSums(Dtype.Float32, [4, 3], context.SeedFor(world.Rank));

        Case(context, "AllSum with another shape", () => Dtypes.ToMlx(odd ? TestData.ExactSums(Dtype.Float32, [4, 2], 1) : common),
             (x, g) => Distributed.AllSum(x!, g).Dispose(), mismatch: true, m => MessageText.NamesShape(m, [4, 2]));
        Case(context, "AllMax with another dtype", () => Dtypes.ToMlx(odd ? TestData.ExactSums(Dtype.Int32, [4, 3], 1) : common),
             (x, g) => Distributed.AllMax(x!, g).Dispose(), mismatch: true, m => MessageText.NamesDtype(m, Dtype.Int32));
        Case(context, "SumScatter with another shape", () => Dtypes.ToMlx(odd ? TestData.ExactSums(Dtype.Float32, [2 * world.Size, 5], 1)
                                                                              : TestData.ExactSums(Dtype.Float32, [2 * world.Size, 3], 1)),
             (x, g) => Distributed.SumScatter(x!, g).Dispose(), mismatch: true, m => MessageText.NamesShape(m, [2 * world.Size, 5]));
        Case(context, "AllSum vs AllMin (desync)", () => Dtypes.ToMlx(common),
             (x, g) => (odd ? Distributed.AllMin(x!, g) : Distributed.AllSum(x!, g)).Dispose(), mismatch: true,
             m => m.Contains("desync", StringComparison.OrdinalIgnoreCase) && m.Contains("AllMin") && m.Contains("AllSum"));
        Case(context, "AllSum vs AllGather (desync)", () => Dtypes.ToMlx(common),
             (x, g) => (odd ? Distributed.AllGather(x!, g) : Distributed.AllSum(x!, g)).Dispose(), mismatch: true,
             m => m.Contains("desync", StringComparison.OrdinalIgnoreCase) && m.Contains("AllGather"));
        Case(context, "AllSum of null", () => odd ? null : Dtypes.ToMlx(common),
             (x, g) => Distributed.AllSum(x!, g).Dispose(), mismatch: false, m => m.Contains("null"));
        Case(context, "AllMin of a disposed array", () => { var a = Dtypes.ToMlx(common); if (odd) a.Dispose(); return a; },
             (x, g) => Distributed.AllMin(x!, g).Dispose(), mismatch: false, m => m.Contains("disposed"));
        Case(context, "AllSumInto a wrong output", () => Dtypes.ToMlx(common),
             (x, g) => { using var o = MlxArray.Zeros(odd ? [3, 4] : [4, 3], Dtype.Float32); Distributed.AllSumInto(x!, o, g); },
             mismatch: false, m => m.Contains("output"));
        Case(context, "AllSumInto an output sharing x's memory", () => Dtypes.ToMlx(common),
             (x, g) => { using var o = odd ? x!.Reshape(4, 3) : MlxArray.Zeros([4, 3], Dtype.Float32); Distributed.AllSumInto(x!, o, g); },
             mismatch: false, m => m.Contains("share memory"));
    }

    /// <summary>
    /// Runs one misuse case: every rank must throw; on the odd rank a local failure is its own exception (not a
    /// mismatch), elsewhere CollectiveMismatchException with Ranks == [last]; the messages of the mismatches agree.
    /// </summary>
    private static void Case(ScenarioContext context, string what, Func<MlxArray?> input, Call call, bool mismatch, Func<string, bool> names)
    {
        var world = context.World;
        var last = world.Size - 1;
        var message = "";
        var x = input();
        try
        {
            call(x, world);
            context.Fail($"{what}: returned; expected every rank to throw");
        }
        catch (CollectiveMismatchException e) when (mismatch || world.Rank != last)
        {
            message = e.Message;
            context.Expect(e.Ranks.SequenceEqual([last]), $"{what}: Ranks is [{string.Join(", ", e.Ranks)}], expected [{last}]: {message}");
            context.Expect(MessageText.NamesRank(message, last), $"{what}: the message does not name rank {last}: {message}");
            context.Expect(names(message), $"{what}: the message does not say what differs: {message}");
        }
        catch (Exception e) when (!mismatch && world.Rank == last && e is not CollectiveMismatchException)
        {
            context.Expect(names(e.Message), $"{what}: the odd rank's own exception does not say what is wrong: {e.Message}");
        }
        catch (Exception e)
        {
            context.Fail($"{what}: unexpected {Failures.Describe(e)}");
        }
        finally
        {
            x?.Dispose();
        }
        if (mismatch)
            Consensus.ExpectSameText(context, world, message, $"{what}: the message");
        ReduceCheck.Run(context, world, $"after {what}", ReductionReference.Op.Sum,
                        rank => TestData.ExactSums(Dtype.Int32, [5], context.SeedFor(rank, what.Length)));
    }
}
