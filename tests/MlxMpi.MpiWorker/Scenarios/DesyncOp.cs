using System.Text.RegularExpressions;

namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Desync detection: one rank makes a different collective call (AllGatherUneven, Split, AllGatherInto, an async
/// AllGather) where the others make another. The op travels in the header, so every rank must throw
/// CollectiveMismatchException with the same message, saying "desync" and naming the odd rank and both ops, with
/// Ranks = the ranks that differ from rank 0; an AllGatherInto output must stay untouched; then the group gathers
/// correctly. Cases on the world (odd rank last, and odd rank 0) and on a split group when it has 2+ members.
/// </summary>
internal static class DesyncOp
{
    private enum Call { AllGather, AllGatherUneven, AllGatherInto, AllGatherAsync, Split }

    private static readonly (Call Common, Call Odd, bool OddIsFirst)[] Cases =
    [
        (Call.AllGather, Call.AllGatherUneven, false),
        (Call.AllGather, Call.Split, false),
        (Call.AllGather, Call.AllGatherInto, false),
        (Call.AllGatherInto, Call.AllGatherAsync, false),
        (Call.AllGatherUneven, Call.Split, true),
        (Call.Split, Call.AllGatherInto, true),
    ];

    [Scenario("desync_op", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        for (var c = 0; c < Cases.Length; c++)
            RunCase(context, world, "world", c, Cases[c]);

        // The same detection on a communicator of its own (3 and 4 ranks give a parity half of 2 members; a half of
        // one has no collective to get out of step, so it skips the case: that changes nothing on the world).
        using var half = world.Split(world.Rank % 2);
        if (half.Size > 1)
        {
            RunCase(context, half, "Split(rank % 2)", 100, (Call.AllGather, Call.AllGatherUneven, false));
            RunCase(context, half, "Split(rank % 2)", 101, (Call.AllGatherInto, Call.Split, true));
        }
        GatherCheck.Run(context, world, "world after the split group's desyncs",
            r => TestData.Random(Dtype.UInt8, [5], context.SeedFor(r, 1000)));
    }

    private static void RunCase(ScenarioContext context, Group group, string groupName, int index, (Call Common, Call Odd, bool OddIsFirst) @case)
    {
        var oddRank = @case.OddIsFirst ? 0 : group.Size - 1;
        var mine = group.Rank == oddRank ? @case.Odd : @case.Common;
        var what = $"{groupName} case {index}: group rank {oddRank} calls {@case.Odd}, the others {@case.Common}";
        // The same shape and dtype everywhere: only the op differs.
        var input = TestData.Random(Dtype.Float32, [2, 3], context.SeedFor(index, group.Rank, group.Size));
        using var x = Dtypes.ToMlx(input);
        var poison = TestData.Random(Dtype.Float32, [2 * group.Size, 3], context.SeedFor(index, group.Rank, 99));
        using var output = Dtypes.ToMlx(poison);

        var message = "";
        try
        {
            var leaked = Make(mine, x, output, group);
            context.Fail($"{what}: {mine} returned {leaked?.ToString() ?? "normally"} on group rank {group.Rank}; expected CollectiveMismatchException");
            leaked?.Dispose();
        }
        catch (CollectiveMismatchException e)
        {
            message = e.Message;
            if (group.Rank == 0)
                context.Info($"{what}: {message}");
            int[] expectedRanks = @case.OddIsFirst ? [.. Enumerable.Range(1, group.Size - 1)] : [oddRank];
            context.Expect(e.Ranks.SequenceEqual(expectedRanks),
                $"{what}: Ranks is [{string.Join(", ", e.Ranks)}], expected [{string.Join(", ", expectedRanks)}]; message: {message}");
            context.Expect(message.Contains("desync", StringComparison.OrdinalIgnoreCase), $"{what}: the message does not say desync: {message}");
            context.Expect(MessageText.NamesRank(message, oddRank), $"{what}: the message does not name rank {oddRank}: {message}");
            foreach (var op in new[] { OpName(@case.Common), OpName(@case.Odd) }.Distinct())
                context.Expect(NamesOp(message, op), $"{what}: the message does not name the op {op}: {message}");
        }
        catch (Exception e)
        {
            context.Fail($"{what}: expected CollectiveMismatchException on group rank {group.Rank}, got {Failures.Describe(e)}");
        }

        if (mine == Call.AllGatherInto)
            context.ExpectValues(poison, output, $"{what}: the AllGatherInto output after the desync (must be untouched)");
        context.ExpectValues(input, x, $"{what}: x after the desync");
        Consensus.ExpectSameText(context, group, message, $"{what}: the desync message");
        // The group works after the desync, with the op that the odd rank got wrong as well.
        GatherCheck.Run(context, group, $"{what}: AllGather afterwards",
            r => TestData.Random(Dtype.Int16, [3, 2], context.SeedFor(index, r, 7)));
        UnevenRandom.Check(context, group, $"{what}: AllGatherUneven afterwards",
            r => TestData.Random(Dtype.Int16, [r % 3, 2], context.SeedFor(index, r, 8)));
    }

    private static MlxArray? Make(Call call, MlxArray x, MlxArray output, Group group)
    {
        switch (call)
        {
            case Call.AllGather: return Distributed.AllGather(x, group);
            case Call.AllGatherUneven: return Distributed.AllGatherUneven(x, group);
            case Call.AllGatherAsync: return Distributed.AllGatherAsync(x, group).GetAwaiter().GetResult();
            case Call.AllGatherInto:
                Distributed.AllGatherInto(x, output, group);
                return null;
            default:
                using (var subgroup = group.Split(0))
                    return null;
        }
    }

    // An async gather is an AllGather on the wire.
    private static string OpName(Call call) => call == Call.AllGatherAsync ? "AllGather" : call.ToString();

    // "AllGather" must appear as a word of its own, not only inside "AllGatherUneven" or "AllGatherInto".
    private static bool NamesOp(string message, string op) => Regex.IsMatch(message, $@"\b{op}\b");
}
