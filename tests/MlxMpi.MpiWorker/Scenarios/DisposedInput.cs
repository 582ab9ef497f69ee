namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// An error only one rank sees locally: the last rank passes a disposed array. It must still take part in the
/// collective, so it throws (ObjectDisposedException or a DistributedException) and every other rank throws
/// CollectiveMismatchException naming it, instead of hanging; then the group gathers correctly again.
/// </summary>
internal static class DisposedInput
{
    [Scenario("disposed_input", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        var last = world.Size - 1;
        var x = Dtypes.ToMlx(TestData.Random(Dtype.Float32, [4, 3], context.SeedFor(world.Rank)));
        if (world.Rank == last)
            x.Dispose();
        try
        {
            var y = Distributed.AllGather(x, world);
            context.Fail($"the gather returned {y.Dtype}[{string.Join(", ", y.Shape)}] although rank {last} passed a disposed array");
            y.Dispose();
        }
        catch (Exception e) when (world.Rank == last)
        {
            context.Expect(e is ObjectDisposedException or DistributedException,
                $"the rank with the disposed array got {Failures.Describe(e)}; expected ObjectDisposedException or a DistributedException");
        }
        catch (CollectiveMismatchException e)
        {
            context.Expect(e.Ranks.Contains(last), $"Ranks is [{string.Join(", ", e.Ranks)}], expected it to contain {last}; message: {e.Message}");
            context.Expect(MessageText.NamesRank(e.Message, last), $"the message does not name rank {last}: {e.Message}");
        }
        catch (Exception e)
        {
            context.Fail($"expected CollectiveMismatchException, got {Failures.Describe(e)}");
        }
        finally
        {
            x.Dispose();
        }

        GatherCheck.Run(context, world, "after the disposed input",
            rank => TestData.Random(Dtype.Int64, [2, 2], context.SeedFor(rank, 1)));
    }
}
