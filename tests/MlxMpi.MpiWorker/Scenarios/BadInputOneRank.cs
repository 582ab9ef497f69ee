namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Bad input on the last rank only, for every gather entry point (AllGather, AllGatherUneven, AllGatherAsync,
/// AllGatherInto's x): a null array, a disposed array, and a GPU stream or device given for a CPU array (MlxArray
/// has no GPU arrays yet). That rank throws a clear exception of its own (ArgumentNullException,
/// ObjectDisposedException, ArgumentException or NotSupportedException), every other rank throws the same
/// CollectiveMismatchException naming it and saying what was wrong, nobody's AllGatherInto output is written, and
/// the next gather with the same entry point returns correct data.
/// </summary>
internal static class BadInputOneRank
{
    private enum Op { AllGather, AllGatherUneven, AllGatherAsync, AllGatherInto }

    private enum Bad { Null, Disposed, GpuStream, GpuDevice }

    [Scenario("bad_input_one_rank", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        var c = 0;
        foreach (var op in Enum.GetValues<Op>())
        {
            foreach (var bad in Enum.GetValues<Bad>())
            {
                // Device overloads exist for AllGather only.
                if (bad == Bad.GpuDevice && op != Op.AllGather)
                    continue;
                RunCase(context, world, op, bad, c++);
            }
        }
    }

    private static void RunCase(ScenarioContext context, Group world, Op op, Bad bad, int c)
    {
        var last = world.Size - 1;
        var isBad = world.Rank == last;
        var what = $"{op} with a {Describe(bad)} on rank {last}";
        // AllGatherUneven gets a different row count per rank, so only the bad input can make it fail.
        int[] shape = [op == Op.AllGatherUneven ? world.Rank + 1 : 3, 4];
        var input = TestData.Random(Dtype.Int32, shape, context.SeedFor(world.Rank, c));
        var x = Dtypes.ToMlx(input);
        if (isBad && bad == Bad.Disposed)
            x.Dispose();
        var passed = isBad && bad == Bad.Null ? null : x;
        var stream = isBad && bad == Bad.GpuStream ? Stream.FromNative(Device.Gpu(0), 0x1000) : null;
        // Rank `last`'s output has the right shape: only its x is wrong.
        var poison = TestData.Random(Dtype.Int32, [3 * world.Size, 4], context.SeedFor(world.Rank, c, 99));
        using var output = Dtypes.ToMlx(poison);

        try
        {
            var result = Call(op, bad, passed!, output, world, stream, isBad);
            context.Fail($"{what}: returned {result?.ToString() ?? "normally"} on rank {world.Rank}");
            result?.Dispose();
            ExpectSameAmongGoodRanks(context, world, "");
        }
        catch (Exception e) when (isBad)
        {
            var expected = bad switch
            {
                Bad.Null => e is ArgumentNullException,
                Bad.Disposed => e is ObjectDisposedException,
                _ => e is ArgumentException or NotSupportedException,
            };
            context.Expect(expected, $"{what}: rank {last} got {Failures.Describe(e)}");
            context.Expect(SaysWhy(e.Message, bad), $"{what}: rank {last}'s exception does not say what is wrong: {e.Message}");
            ExpectSameAmongGoodRanks(context, world, "");
        }
        catch (CollectiveMismatchException e)
        {
            context.Expect(e.Ranks.SequenceEqual([last]), $"{what}: Ranks is [{string.Join(", ", e.Ranks)}], expected [{last}]");
            context.Expect(MessageText.NamesRank(e.Message, last), $"{what}: the message does not name rank {last}: {e.Message}");
            context.Expect(SaysWhy(e.Message, bad), $"{what}: the message does not say what rank {last} got wrong: {e.Message}");
            if (world.Rank == 0)
                context.Info($"{what}: {e.Message}");
            ExpectSameAmongGoodRanks(context, world, e.Message);
        }
        catch (Exception e)
        {
            context.Fail($"{what}: expected CollectiveMismatchException on rank {world.Rank}, got {Failures.Describe(e)}");
            ExpectSameAmongGoodRanks(context, world, e.Message);
        }
        finally
        {
            x.Dispose();
        }
        if (op == Op.AllGatherInto)
            context.ExpectValues(poison, output, $"{what}: the output after the failed gather (must be untouched)");

        // The group is usable, and the same entry point gives correct data.
        Func<int, HostArray> next = r => TestData.Random(Dtype.Int32, [op == Op.AllGatherUneven ? r % 2 : 2, 4], context.SeedFor(r, c, 1));
        switch (op)
        {
            case Op.AllGatherUneven:
                UnevenRandom.Check(context, world, $"{what}: AllGatherUneven afterwards", next);
                break;
            case Op.AllGatherInto:
                using (var good = Dtypes.ToMlx(TestData.Random(Dtype.Int32, [2 * world.Size, 4], context.SeedFor(world.Rank, c, 2))))
                {
                    GatherCheck.Run(context, world, $"{what}: AllGatherInto afterwards", next,
                        (y, g) => { Distributed.AllGatherInto(y, good, g); return good; }, disposeResult: false);
                }
                break;
            case Op.AllGatherAsync:
                GatherCheck.Run(context, world, $"{what}: AllGatherAsync afterwards", next,
                    (y, g) => Distributed.AllGatherAsync(y, g).GetAwaiter().GetResult());
                break;
            default:
                GatherCheck.Run(context, world, $"{what}: AllGather afterwards", next);
                break;
        }
    }

    private static MlxArray? Call(Op op, Bad bad, MlxArray x, MlxArray output, Group group, Stream? stream, bool isBad)
    {
        switch (op)
        {
            case Op.AllGather when bad == Bad.GpuDevice:
                return Distributed.AllGather(x, group, isBad ? Device.Gpu(0) : Device.Cpu);
            case Op.AllGather:
                return Distributed.AllGather(x, group, stream);
            case Op.AllGatherUneven:
                return Distributed.AllGatherUneven(x, group, stream);
            case Op.AllGatherAsync:
                // Either the call or its task may report the error; the task must not hang.
                return Distributed.AllGatherAsync(x, group, stream).GetAwaiter().GetResult();
            default:
                Distributed.AllGatherInto(x, output, group, stream);
                return null;
        }
    }

    private static string Describe(Bad bad) => bad switch
    {
        Bad.Null => "null array",
        Bad.Disposed => "disposed array",
        Bad.GpuStream => "GPU stream for a CPU array",
        _ => "GPU device for a CPU array",
    };

    private static bool SaysWhy(string message, Bad bad) => bad switch
    {
        Bad.Null => message.Contains("null", StringComparison.OrdinalIgnoreCase),
        Bad.Disposed => message.Contains("dispose", StringComparison.OrdinalIgnoreCase),
        _ => message.Contains("gpu", StringComparison.OrdinalIgnoreCase),
    };

    /// <summary>The ranks other than the bad one must hold the same message (the bad rank has its own exception).</summary>
    private static void ExpectSameAmongGoodRanks(ScenarioContext context, Group world, string message)
    {
        var hashes = Consensus.GatherInt64(world, (long)StableHash.Of(message));
        var good = hashes[..^1];
        if (world.Rank != world.Size - 1 && good.Any(h => h != good[0]))
            context.Fail($"the CollectiveMismatchException message differs between the ranks 0..{world.Size - 2}; here: \"{message}\"");
    }
}
