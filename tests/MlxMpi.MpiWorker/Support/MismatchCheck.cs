namespace MlxMpi.MpiWorker;

/// <summary>
/// Beyond MLX: when the last rank alone passes something different, EVERY rank must throw
/// CollectiveMismatchException with the same message, naming that rank and what it passed, with
/// Ranks == [last]; then the same group must still gather correctly.
/// </summary>
internal static class MismatchCheck
{
    public static void Run(ScenarioContext context, HostArray common, HostArray odd, Func<string, bool> namesOdd, string oddMeaning)
    {
        var group = context.World;
        var last = group.Size - 1;
        using var x = Dtypes.ToMlx(group.Rank == last ? odd : common);
        var message = "";
        try
        {
            var y = Distributed.AllGather(x, group);
            context.Fail($"the gather returned {y.Dtype}[{string.Join(", ", y.Shape)}]; expected CollectiveMismatchException " +
                         $"(ranks 0..{last - 1} passed {common.Describe()}, rank {last} {odd.Describe()})");
            y.Dispose();
        }
        catch (CollectiveMismatchException e)
        {
            message = e.Message;
            if (group.Rank == 0)
                context.Info($"message: {message}");
            context.Expect(e.Ranks.SequenceEqual([last]), $"Ranks is [{string.Join(", ", e.Ranks)}], expected [{last}]; message: {message}");
            context.Expect(MessageText.NamesRank(message, last), $"the message does not name rank {last}: {message}");
            context.Expect(namesOdd(message), $"the message does not name rank {last}'s {oddMeaning}: {message}");
        }
        catch (Exception e)
        {
            context.Fail($"expected CollectiveMismatchException, got {Failures.Describe(e)}");
        }

        // Every rank made exactly one gather above whatever happened, so these collectives stay in step.
        Consensus.ExpectSameText(context, group, message, "the mismatch message");
        GatherCheck.Run(context, group, "after the mismatch",
            r => TestData.Random(Dtype.Float32, [3, 2], context.SeedFor(r, 1)));
    }
}
