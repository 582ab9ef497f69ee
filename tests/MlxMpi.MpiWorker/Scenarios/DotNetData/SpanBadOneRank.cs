namespace MlxMpi.MpiWorker.Scenarios.DotNetData;

/// <summary>
/// Local failures of the span overloads reach every rank through the header phase: an element type with no dtype on every
/// rank (each throws an ArgumentException naming the type), the same on the last rank only (it throws that; the others a
/// CollectiveMismatchException naming it and the type), and an AllGatherInto output of the wrong length on the last rank.
/// After each, no output was written and the next gather is correct.
/// </summary>
internal static class SpanBadOneRank
{
    /// <summary>Unmanaged, but no MLX element type.</summary>
    private readonly record struct Pair(int A, int B);

    [Scenario("span_bad_one_rank", Suite.General)]
    public static void Run(ScenarioContext context)
    {
        var world = context.World;
        var last = world.Size - 1;
        var isLast = world.Rank == last;

        // 1. Every rank passes Pair: every rank throws the ArgumentException naming it, no rank hangs.
        try
        {
            Distributed.AllGather<Pair>([new Pair(1, 2)], world);
            context.Fail("AllGather<Pair> returned");
        }
        catch (ArgumentException e) when (e is not ArgumentNullException)
        {
            context.Expect(e.Message.Contains(nameof(Pair)), $"AllGather<Pair>: the message does not name the type: {e.Message}");
        }
        catch (Exception e)
        {
            context.Fail($"AllGather<Pair> on every rank: expected ArgumentException, got {Failures.Describe(e)}");
        }

        // 2. Only the last rank passes Pair; the others int.
        var poison = ElementTypes.Random<int>(Dtype.Int32, 2 * world.Size, context.SeedFor(world.Rank, 1));
        var output = (int[])poison.Clone();
        try
        {
            if (isLast)
                Distributed.AllGather<Pair>([new Pair(1, 2), new Pair(3, 4)], world);
            else
                Distributed.AllGatherInto<int>([world.Rank, 7], output, world);
            context.Fail($"a gather with Pair on rank {last} returned on rank {world.Rank}");
        }
        catch (ArgumentException e) when (isLast)
        {
            context.Expect(e.Message.Contains(nameof(Pair)), $"rank {last}'s message does not name the type: {e.Message}");
        }
        catch (CollectiveMismatchException e) when (!isLast)
        {
            context.Expect(e.Ranks.SequenceEqual([last]), $"Pair on rank {last}: Ranks is [{string.Join(", ", e.Ranks)}]");
            context.Expect(MessageText.NamesRank(e.Message, last) && e.Message.Contains(nameof(Pair)),
                           $"Pair on rank {last}: the message names neither the rank nor the type: {e.Message}");
        }
        catch (Exception e)
        {
            context.Fail($"Pair on rank {last}: rank {world.Rank} got {Failures.Describe(e)}");
        }
        context.Expect(output.SequenceEqual(poison), "the output was written by a failed gather");

        // 3. The last rank's output is one element short.
        var shortOutput = isLast ? new int[2 * world.Size - 1] : new int[2 * world.Size];
        Array.Fill(shortOutput, -5);
        try
        {
            Distributed.AllGatherInto<int>([world.Rank, 9], shortOutput, world);
            context.Fail($"AllGatherInto with a short output on rank {last} returned on rank {world.Rank}");
        }
        catch (ArgumentException e) when (isLast)
        {
            context.Expect(e.Message.Contains("output"), $"the short-output message does not mention the output: {e.Message}");
        }
        catch (CollectiveMismatchException e) when (!isLast)
        {
            context.Expect(e.Ranks.SequenceEqual([last]), $"short output on rank {last}: Ranks is [{string.Join(", ", e.Ranks)}]");
        }
        catch (Exception e)
        {
            context.Fail($"short output on rank {last}: rank {world.Rank} got {Failures.Describe(e)}");
        }
        context.Expect(shortOutput.All(v => v == -5), "the output was written by a failed AllGatherInto");

        // 4. The world still works.
        var gathered = Distributed.AllGather<int>([world.Rank * 10, world.Rank * 10 + 1], world);
        int[] expected = [.. Enumerable.Range(0, world.Size).SelectMany(r => new[] { r * 10, r * 10 + 1 })];
        context.Expect(gathered.SequenceEqual(expected), $"the gather after the failures gave [{string.Join(", ", gathered)}]");
    }
}
