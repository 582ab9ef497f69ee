using System.Diagnostics;
using System.Globalization;

namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// The soak: random gathers for MLXMPI_SOAK_SECONDS (default 45) across the world, fixed splits (parity, reversed
/// halves, every rank alone) and a fresh random split every 97 iterations; AllGather, AllGatherInto,
/// AllGatherUneven and batches of AllGatherAsync mixed; every dtype; shapes from 0-d and empty up to 128 KiB per
/// rank. Every element of every result is checked, and the last 16 results are checked again when they leave the
/// ring (memory reuse must not overwrite results still held). Each rank's RSS is read after a warm-up and at the
/// end; the growth must stay under MLXMPI_SOAK_RSS_LIMIT_MIB (default 64). Progress lines every
/// MLXMPI_SOAK_PROGRESS_SECONDS (default 10). The ranks agree every 32 iterations, on rank 0's clock, whether to
/// stop, so they all run the same iterations.
/// </summary>
internal sealed class Soak
{
    public const string SecondsVariable = "MLXMPI_SOAK_SECONDS";
    public const string ProgressVariable = "MLXMPI_SOAK_PROGRESS_SECONDS";
    public const string RssLimitVariable = "MLXMPI_SOAK_RSS_LIMIT_MIB";
    private const int AgreeEvery = 32;
    private const int FreshSplitEvery = 97;
    private const int KeptResults = 16;

    private enum Op { AllGather, AllGatherInto, AllGatherUneven, AllGatherAsync }

    private sealed record Member(Group Group, IReadOnlyList<int> WorldRanks, string Name);

    private readonly ScenarioContext context;
    private readonly Group world;
    private readonly Queue<(MlxArray Result, HostArray Expected, string What)> kept = new();
    private readonly long[] gathersByOp = new long[4];
    private long splits, elementsChecked, bytesGathered;

    private Soak(ScenarioContext context)
    {
        this.context = context;
        world = context.World;
    }

    [Scenario("soak", Suite.Soak)] public static void Run(ScenarioContext context) => new Soak(context).Loop();

    private void Loop()
    {
        var duration = TimeSpan.FromSeconds(Setting(SecondsVariable, 45));
        var progressEvery = TimeSpan.FromSeconds(Setting(ProgressVariable, 10));
        var rssLimitKiB = (long)(Setting(RssLimitVariable, 64) * 1024);
        var warmup = TimeSpan.FromTicks(Math.Clamp(duration.Ticks / 5, TimeSpan.TicksPerSecond * 2, TimeSpan.TicksPerSecond * 60));
        var size = world.Size;
        var rank = world.Rank;

        using var parity = world.Split(rank % 2);
        using var halves = world.Split(rank < size / 2 ? 0 : 1, key: 100 - rank);
        using var alone = world.Split(rank);
        Member[] groups =
        [
            new(world, [.. Enumerable.Range(0, size)], "world"),
            new(parity, SplitModel.Members(size, rank, r => r % 2, r => r), "Split(rank % 2)"),
            new(halves, SplitModel.Members(size, rank, r => r < size / 2 ? 0 : 1, r => 100 - r), "Split(halves, reversed keys)"),
            new(alone, [rank], "Split(rank)"),
        ];
        foreach (var g in groups)
            SplitModel.ExpectShape(context, g.Group, g.WorldRanks, rank, g.Name);

        var clock = Stopwatch.StartNew();
        long? warmKiB = null, midKiB = null;
        long gathersAtWarm = 0;
        var nextProgress = progressEvery;
        var iteration = 0;
        try
        {
            for (; ; iteration++)
            {
                if (iteration % AgreeEvery == AgreeEvery - 1)
                {
                    if (warmKiB is null && clock.Elapsed >= warmup)
                    {
                        warmKiB = ProcessMemory.SettledResidentKiB();
                        gathersAtWarm = gathersByOp.Sum();
                        context.Info($"warm-up done at {clock.Elapsed.TotalSeconds:F1} s, iteration {iteration}: RSS {warmKiB} KiB");
                    }
                    // Halfway from the warm-up to the end: a leak keeps growing past it, a cache that warms up does not.
                    if (midKiB is null && clock.Elapsed >= warmup + (duration - warmup) / 2)
                    {
                        midKiB = ProcessMemory.SettledResidentKiB();
                        context.Info($"halfway at {clock.Elapsed.TotalSeconds:F1} s, iteration {iteration}: RSS {midKiB} KiB");
                    }
                    if (clock.Elapsed >= nextProgress)
                    {
                        nextProgress += progressEvery;
                        context.Info($"progress {clock.Elapsed.TotalSeconds:F0} s: {Counts(iteration)}, RSS {ProcessMemory.ResidentKiB()} KiB, " +
                                     $"failures: {context.FailureSummary() ?? "none"}");
                    }
                    var stop = Consensus.GatherInt64(world, rank == 0 && clock.Elapsed >= duration ? 1 : 0);
                    if (stop[0] != 0)
                        break;
                }
                var rng = new SplitMix64(context.SeedFor(-2, iteration));
                if (iteration % FreshSplitEvery == FreshSplitEvery - 1)
                    FreshSplit(iteration, ref rng);
                else
                    Step(iteration, groups, ref rng);
            }
        }
        finally
        {
            DrainKept();
        }

        var endKiB = ProcessMemory.SettledResidentKiB();
        var growth = endKiB - (warmKiB ?? endKiB);
        var perThousand = growth * 1024.0 / Math.Max(1, gathersByOp.Sum() - gathersAtWarm) * 1000;
        context.Info($"done {clock.Elapsed.TotalSeconds:F1} s: {Counts(iteration)}; RSS warm {warmKiB ?? -1} KiB end {endKiB} KiB " +
                     $"growth {growth} KiB (limit {rssLimitKiB} KiB, {perThousand:F0} bytes per 1000 gathers after the warm-up), " +
                     $"halfway {midKiB ?? -1} KiB, second-half growth {endKiB - (midKiB ?? endKiB)} KiB, peak {ProcessMemory.PeakResidentKiB()} KiB");
        context.Expect(warmKiB is not null, $"the soak ended before its warm-up ({warmup.TotalSeconds:F1} s): no RSS baseline");
        context.Expect(growth <= rssLimitKiB, $"RSS grew by {growth} KiB from the warm-up to the end, more than {rssLimitKiB} KiB");
        context.Expect(iteration >= 1000, $"only {iteration} iterations ran in {duration.TotalSeconds} s");
    }

    private string Counts(int iteration) =>
        $"iterations {iteration}, gathers {gathersByOp.Sum()} (AllGather {gathersByOp[0]}, Into {gathersByOp[1]}, " +
        $"Uneven {gathersByOp[2]}, Async {gathersByOp[3]}), splits {splits}, elements checked {elementsChecked}, " +
        $"MiB gathered {bytesGathered / (1024.0 * 1024):F1}";

    /// <summary>One random iteration: one sync gather, or a batch of async ones with a sync one among them.</summary>
    private void Step(int iteration, Member[] groups, ref SplitMix64 rng)
    {
        var op = (Op)rng.NextInt(4);
        if (op != Op.AllGatherAsync)
        {
            Sync(op, iteration, 0, groups[rng.NextInt(groups.Length)], ref rng);
            return;
        }
        var pending = new List<(Task<MlxArray> Task, HostArray Expected, string What)>();
        var count = 1 + rng.NextInt(4);
        var syncAt = rng.NextInt(count + 1);
        for (var j = 0; j < count; j++)
        {
            if (j == syncAt)
                Sync((Op)rng.NextInt(3), iteration, 100, groups[rng.NextInt(groups.Length)], ref rng);
            var g = groups[rng.NextInt(groups.Length)];
            var (dtype, shape) = (RandomDtype(ref rng), RandomShape(ref rng));
            HostArray InputOf(int groupRank) => TestData.Random(dtype, shape, context.SeedFor(-3, iteration, j, g.WorldRanks[groupRank]));
            var what = $"iteration {iteration} async {j}: {dtype}[{string.Join(", ", shape)}] on {g.Name}";
            var x = Dtypes.ToMlx(InputOf(g.Group.Rank));
            pending.Add((Distributed.AllGatherAsync(x, g.Group), HostArray.AllGatherOf([.. Enumerable.Range(0, g.Group.Size).Select(InputOf)]), what));
            x.Dispose(); // allowed once the call returned
            gathersByOp[(int)Op.AllGatherAsync]++;
        }
        foreach (var (task, expected, what) in pending)
        {
            try
            {
                Keep(task.GetAwaiter().GetResult(), expected, what);
            }
            catch (Exception e)
            {
                context.Fail($"{what} failed: {Failures.Describe(e)}");
            }
        }
    }

    private void Sync(Op op, int iteration, int j, Member g, ref SplitMix64 rng)
    {
        var dtype = RandomDtype(ref rng);
        var shape = RandomShape(ref rng);
        var scalarsAndVectors = op == Op.AllGatherUneven && rng.NextInt(10) == 0;
        var maxRows = 1 + rng.NextInt(shape.Length > 0 && shape[0] > 6 ? 64 : 6);
        HostArray InputOf(int groupRank)
        {
            var w = g.WorldRanks[groupRank];
            var seed = context.SeedFor(-3, iteration, j, w);
            if (op != Op.AllGatherUneven)
                return TestData.Random(dtype, shape, seed);
            if (scalarsAndVectors) // 0-d counts as one row
                return TestData.Random(dtype, (w + iteration) % 2 == 0 ? [] : [1 + w % 3], seed);
            int[] mine = shape.Length == 0 ? [0] : (int[])shape.Clone();
            mine[0] = (int)(context.SeedFor(-4, iteration, j, w) % (ulong)(maxRows + 1));
            return TestData.Random(dtype, mine, seed);
        }
        var input = InputOf(g.Group.Rank);
        var blocks = Enumerable.Range(0, g.Group.Size).Select(InputOf).ToList();
        var what = $"iteration {iteration}.{j} {op} {input.Describe()} on {g.Name}";
        using var x = Dtypes.ToMlx(input);
        gathersByOp[(int)op]++;
        switch (op)
        {
            case Op.AllGather:
                Keep(Distributed.AllGather(x, g.Group), HostArray.AllGatherOf(blocks), what, x);
                break;
            case Op.AllGatherUneven:
                Keep(Distributed.AllGatherUneven(x, g.Group), HostArray.Concat([.. blocks.Select(b => b.Shape.Length == 0 ? new HostArray(b.Dtype, [1], b.Bytes) : b)]), what, x);
                break;
            default:
                var expected = HostArray.Concat(blocks);
                var output = Dtypes.ToMlx(TestData.Random(dtype, expected.Shape, context.SeedFor(-5, iteration, j, world.Rank))); // poison
                try
                {
                    Distributed.AllGatherInto(x, output, g.Group);
                }
                catch
                {
                    output.Dispose();
                    throw;
                }
                Keep(output, expected, what);
                break;
        }
        context.ExpectValues(input, x, $"{what}: the input after the gather");
    }

    /// <summary>A Split with random colors and keys (a collective too), 1 to 3 gathers on it, then Dispose.</summary>
    private void FreshSplit(int iteration, ref SplitMix64 rng)
    {
        int Color(int w) => (int)(context.SeedFor(-6, iteration, w) % 3);
        int Key(int w) => (int)(context.SeedFor(-7, iteration, w) % 5);
        var members = SplitModel.Members(world.Size, world.Rank, Color, Key);
        using var fresh = world.Split(Color(world.Rank), Key(world.Rank));
        splits++;
        SplitModel.ExpectShape(context, fresh, members, world.Rank, $"iteration {iteration} fresh split");
        var g = new Member(fresh, members, $"fresh split {iteration}");
        var count = 1 + rng.NextInt(3);
        for (var j = 0; j < count; j++)
            Sync((Op)rng.NextInt(3), iteration, j, g, ref rng);
        // Results of the fresh group stay valid after it is disposed; the ring still holds some of them.
    }

    private void Keep(MlxArray result, HostArray expected, string what, MlxArray? input = null)
    {
        context.ExpectValues(expected, result, what);
        elementsChecked += expected.Count;
        bytesGathered += expected.Bytes.Length;
        if (ReferenceEquals(result, input))
            return; // a group of one hands back x itself, which the caller disposes
        kept.Enqueue((result, expected, what));
        while (kept.Count > KeptResults)
        {
            var (old, oldExpected, oldWhat) = kept.Dequeue();
            context.ExpectValues(oldExpected, old, $"{oldWhat}, re-read {KeptResults} results later");
            old.Dispose();
        }
    }

    private void DrainKept()
    {
        while (kept.TryDequeue(out var entry))
        {
            context.ExpectValues(entry.Expected, entry.Result, $"{entry.What}, re-read at the end");
            entry.Result.Dispose();
        }
    }

    private static Dtype RandomDtype(ref SplitMix64 rng) => Dtypes.All[rng.NextInt(Dtypes.All.Count)];

    // 0-d to 4-d with zero lengths now and then; one in 20 up to 128 x 128 elements (the data phase, 128 KiB of
    // float64 per rank at most).
    private static int[] RandomShape(ref SplitMix64 rng)
    {
        if (rng.NextInt(20) == 0)
            return [16 + rng.NextInt(113), 8 + rng.NextInt(121)];
        var ndim = rng.NextInt(5);
        var shape = new int[ndim];
        for (var d = 0; d < ndim; d++)
            shape[d] = rng.NextInt(ndim <= 2 ? 9 : 5);
        return shape;
    }

    private static double Setting(string variable, double fallback) =>
        double.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : fallback;
}
