namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// AllGatherUneven where only the last rank differs in what must match (a trailing dim, ndim, dtype): every rank
/// throws CollectiveMismatchException with the same message naming that rank, Ranks == [last]; differing row
/// counts alone are fine; afterwards the group gathers correctly.
/// </summary>
internal static class UnevenMismatch
{
    [Scenario("uneven_mismatch", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        var last = world.Size - 1;
        (string Name, HostArray Odd)[] cases =
        [
            ("trailing dim", TestData.Random(Dtype.Int16, [2, 4], context.SeedFor(1))),
            ("ndim", TestData.Random(Dtype.Int16, [2, 3, 1], context.SeedFor(2))),
            ("dtype", TestData.Random(Dtype.UInt16, [2, 3], context.SeedFor(3))),
        ];
        foreach (var (name, odd) in cases)
        {
            // Row counts differ on purpose (rank + 1): only the odd property may make it fail.
            using var x = Dtypes.ToMlx(world.Rank == last ? odd : TestData.Random(Dtype.Int16, [world.Rank + 1, 3], context.SeedFor(world.Rank, 4)));
            var message = "";
            try
            {
                Distributed.AllGatherUneven(x, world).Dispose();
                context.Fail($"{name}: AllGatherUneven returned although rank {last} passed {odd.Describe()}");
            }
            catch (CollectiveMismatchException e)
            {
                message = e.Message;
                context.Expect(e.Ranks.SequenceEqual([last]), $"{name}: Ranks is [{string.Join(", ", e.Ranks)}], expected [{last}]");
                context.Expect(MessageText.NamesRank(message, last), $"{name}: the message does not name rank {last}: {message}");
                context.Expect(MessageText.NamesShape(message, odd.Shape) && (name != "dtype" || MessageText.NamesDtype(message, odd.Dtype)),
                    $"{name}: the message does not describe rank {last}'s input: {message}");
            }
            catch (Exception e)
            {
                context.Fail($"{name}: expected CollectiveMismatchException, got {Failures.Describe(e)}");
            }
            Consensus.ExpectSameText(context, world, message, $"{name}: the mismatch message");
        }
        UnevenRandom.Check(context, world, "after the mismatches",
            r => TestData.Random(Dtype.Int16, [r + 1, 3], context.SeedFor(r, 9)));
    }
}
