namespace MlxMpi.MpiWorker.Scenarios.DotNetData;

/// <summary>
/// AllSum, AllMax and AllMin of spans and arrays (int, long, float, double with integer values, so every sum is exact in
/// any order; bool, whose sum and max are OR and min AND), 5 and 1000 elements, into a new array, into a poisoned output
/// and in place (the same span as input and output); and an element type with no dtype on the last rank only. Every
/// element is checked against the reduction of every rank's regenerated input.
/// </summary>
internal static class SpanReduce
{
    private readonly record struct Pair(int A, int B);

    [Scenario("span_reduce", Suite.General)]
    public static void Run(ScenarioContext context)
    {
        var world = context.World;
        foreach (var length in new[] { 5, 1000 })
        {
            Check(context, world, length, r => (int)r, (a, b) => a + b, Math.Max, Math.Min);
            Check(context, world, length, r => (long)r << 33, (a, b) => a + b, Math.Max, Math.Min);
            Check(context, world, length, r => (float)r, (a, b) => a + b, MathF.Max, MathF.Min);
            Check(context, world, length, r => (double)r * 1024, (a, b) => a + b, Math.Max, Math.Min);
            Check(context, world, length, r => (r & 1) == 1, (a, b) => a | b, (a, b) => a | b, (a, b) => a & b);
        }
        OneRankWithoutDtype(context, world);
    }

    /// <summary><paramref name="make"/> turns a random integer in [-1000, 1000] into an element.</summary>
    private static void Check<T>(ScenarioContext context, Group world, int length, Func<long, T> make,
                                 Func<T, T, T> sum, Func<T, T, T> max, Func<T, T, T> min) where T : unmanaged
    {
        T[] InputOf(int rank)
        {
            var rng = new SplitMix64(context.SeedFor(rank, length, typeof(T).Name.Length));
            return [.. Enumerable.Range(0, length).Select(_ => make((long)(rng.Next() % 2001) - 1000))];
        }
        var inputs = Enumerable.Range(0, world.Size).Select(InputOf).ToArray();
        T[] Fold(Func<T, T, T> f) => [.. Enumerable.Range(0, length).Select(i => inputs.Skip(1).Aggregate(inputs[0][i], (acc, x) => f(acc, x[i])))];
        var mine = inputs[world.Rank];
        var what = $"{typeof(T).Name}[{length}] x {world.Size}";

        Expect(context, Fold(sum), Distributed.AllSum((ReadOnlySpan<T>)mine, world), $"AllSum {what}");
        Expect(context, Fold(max), Distributed.AllMax((ReadOnlySpan<T>)mine, world), $"AllMax {what}");
        Expect(context, Fold(min), Distributed.AllMin((ReadOnlySpan<T>)mine, world), $"AllMin {what}");

        var output = InputOf(world.Size + 3); // poison: another rank's worth of random values
        Distributed.AllMaxInto<T>(mine, output, world);
        Expect(context, Fold(max), output, $"AllMaxInto {what}");

        var inPlace = (T[])mine.Clone();
        Distributed.AllSumInto<T>(inPlace, inPlace, world);
        Expect(context, Fold(sum), inPlace, $"AllSumInto in place {what}");
    }

    private static void Expect<T>(ScenarioContext context, T[] expected, T[] actual, string what) where T : unmanaged
    {
        var at = ElementTypes.FirstDifference<T>(expected, actual);
        if (at >= 0)
            context.Fail($"{what}: element {at} is {(at < actual.Length ? actual[at] : "missing")}, expected {(at < expected.Length ? expected[at] : "nothing")}");
    }

    private static void OneRankWithoutDtype(ScenarioContext context, Group world)
    {
        var last = world.Size - 1;
        try
        {
            if (world.Rank == last)
                Distributed.AllSum<Pair>([new Pair(1, 2)], world);
            else
                Distributed.AllSum<int>([1], world);
            context.Fail("an AllSum with Pair on the last rank returned");
        }
        catch (ArgumentException e) when (world.Rank == last)
        {
            context.Expect(e.Message.Contains(nameof(Pair)), $"the message does not name the type: {e.Message}");
        }
        catch (CollectiveMismatchException e) when (world.Rank != last)
        {
            context.Expect(e.Ranks.SequenceEqual([last]) && e.Message.Contains(nameof(Pair)),
                           $"Pair on rank {last}: Ranks [{string.Join(", ", e.Ranks)}], message: {e.Message}");
        }
        catch (Exception e)
        {
            context.Fail($"Pair on rank {last}: rank {world.Rank} got {Failures.Describe(e)}");
        }
        var after = Distributed.AllSum<int>([world.Rank, 1], world);
        context.Expect(after.SequenceEqual([world.Size * (world.Size - 1) / 2, world.Size]), $"the AllSum afterwards gave [{string.Join(", ", after)}]");
    }
}
