using Sizing = MlxMpi.Collectives.SlotSizing;

namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// The header slot follows the gathers (Collectives/SlotSizing): a 1-D uint8 gather's description takes 40 bytes,
/// so L bytes need 40 + L. On a fresh group every class edge is crossed (L that fills a class exactly, then L + 1,
/// which grows the slot), then the slot shrinks one class per 64 small calls, a mismatch while it is grown throws on
/// every rank and leaves the size in step, and AllGatherInto, AllGatherAsync, AllGatherUneven and a reduction run at
/// a grown slot. After every call every rank must report the same next size, the one expected; every gathered
/// element is checked.
/// </summary>
internal static class SlotSizing
{
    private const int DescriptionBytes = 40; // 32 fixed bytes + one dimension, rounded up to 8

    [Scenario("slot_sizing", Suite.General)] public static void Run(ScenarioContext context)
    {
        using var group = context.World.Split(0);
        var classes = Sizing.ClassesFor(group.Size);
        var largest = classes[^1];
        var step = 0;
        void Gather(int length, int expectedNext, string what)
        {
            step++;
            GatherCheck.Run(context, group, $"{what} ({length} B)",
                rank => TestData.Random(Dtype.UInt8, [length], context.SeedFor(rank, step)));
            ExpectNext(context, group, expectedNext, $"after {what} ({length} B)");
        }

        Gather(classes[0] - DescriptionBytes, classes[0], $"fills {classes[0]} exactly");
        for (var c = 1; c < classes.Length; c++)
        {
            Gather(classes[c - 1] - DescriptionBytes + 1, classes[c], $"one byte more than {classes[c - 1]} holds: grows to {classes[c]}");
            Gather(classes[c] - DescriptionBytes, classes[c], $"fills {classes[c]} exactly");
        }
        Gather(1024, largest, "1 KiB");
        // Too large for any slot: the data phase; it counts as a call a smaller slot would have served.
        Gather(largest - DescriptionBytes + 1, largest, "larger than any slot");

        // Shrinking: 64 calls in a row that the class below would have held take one class off. 62 more small ones
        // (the large one above was the first), then one that needs the current class resets the count.
        for (var i = 0; i < Sizing.ShrinkAfter - 2; i++)
            Gather(8, largest, $"small call {i + 2} of 64 at {largest}");
        Gather(largest - DescriptionBytes - 8, largest, $"a call that needs {largest} again: no shrink");
        for (var i = 0; i < Sizing.ShrinkAfter - 1; i++)
            Gather(8, largest, $"small call {i + 1} of 64 after the reset");
        var grown = classes[^2];
        Gather(8, grown, $"the 64th small call: shrinks to {grown}");

        var needsGrown = grown - DescriptionBytes - 20; // more than the class below holds
        MismatchWhileGrown(context, group, needsGrown);
        ExpectNext(context, group, grown, $"after the mismatch at {grown}");

        VariantsWhileGrown(context, group, needsGrown, grown);

        Gather(needsGrown, grown, $"a call that needs {grown}: the count starts again");
        for (var c = classes.Length - 2; c > 0; c--)
        {
            for (var i = 0; i < Sizing.ShrinkAfter - 1; i++)
                Gather(1 + i % 24, classes[c], $"shrinking from {classes[c]}, call {i + 1}");
            Gather(24, classes[c - 1], $"shrinking from {classes[c]}, call 64");
        }
    }

    /// <summary>While grown, the last rank gathers 10 bytes more than the others (all fit): every rank throws, and the
    /// size computed from the exchange is the same everywhere.</summary>
    private static void MismatchWhileGrown(ScenarioContext context, Group group, int length)
    {
        var last = group.Size - 1;
        using var x = Dtypes.ToMlx(TestData.Random(Dtype.UInt8, [group.Rank == last ? length + 10 : length], context.SeedFor(group.Rank, 77)));
        try
        {
            Distributed.AllGather(x, group).Dispose();
            context.Fail($"a gather of {length} bytes on some ranks and {length + 10} on the last returned; expected CollectiveMismatchException");
        }
        catch (CollectiveMismatchException e)
        {
            context.Expect(e.Ranks.SequenceEqual([last]), $"Ranks is [{string.Join(", ", e.Ranks)}], expected [{last}]: {e.Message}");
        }
    }

    /// <summary>While grown, the other gathers and a reduction: values checked, the slot kept in step.</summary>
    private static void VariantsWhileGrown(ScenarioContext context, Group group, int length, int grown)
    {
        var mine = TestData.Random(Dtype.UInt8, [length], context.SeedFor(group.Rank, 80));
        var expected = HostArray.AllGatherOf([.. Enumerable.Range(0, group.Size)
            .Select(r => TestData.Random(Dtype.UInt8, [length], context.SeedFor(r, 80)))]);
        using var x = Dtypes.ToMlx(mine);
        using (var output = Dtypes.ToMlx(TestData.Random(Dtype.UInt8, [length * group.Size], context.SeedFor(group.Rank, 81))))
        {
            Distributed.AllGatherInto(x, output, group);
            context.ExpectValues(expected, output, $"AllGatherInto of {length} B at {grown}");
        }
        ExpectNext(context, group, grown, "after AllGatherInto");
        using (var y = Distributed.AllGatherAsync(x, group).GetAwaiter().GetResult())
            context.ExpectValues(expected, y, $"AllGatherAsync of {length} B at {grown}");
        ExpectNext(context, group, grown, "after AllGatherAsync");

        // Uneven rows: rank r gathers length - 30 r bytes; the largest decides the size.
        UnevenRandom.Check(context, group, $"uneven rows at {grown}", r =>
            TestData.Random(Dtype.UInt8, [length - 30 * (r % 4)], context.SeedFor(r, 82)));
        ExpectNext(context, group, grown, "after AllGatherUneven");

        // A reduction keeps the 64-byte room (its 400-byte payload goes to MPI_Allreduce) and counts as a small call.
        var values = Enumerable.Range(0, group.Size)
            .Select(r => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(TestData.Random(Dtype.Int32, [100], context.SeedFor(r, 83)).Bytes).ToArray())
            .ToArray();
        using var v = MlxArray.FromArray(values[group.Rank]);
        using var sum = Distributed.AllSum(v, group);
        var got = sum.ToArray<int>();
        for (var i = 0; i < 100; i++)
        {
            var want = 0;
            foreach (var row in values)
                want = unchecked(want + row[i]);
            context.ExpectEqual(got[i], want, $"AllSum of int32[100] at {grown}, element {i}");
        }
        ExpectNext(context, group, grown, "after AllSum");
    }

    /// <summary>Every rank's next slot size, gathered on the world (its own slot), must be <paramref name="expected"/>.</summary>
    private static void ExpectNext(ScenarioContext context, Group group, int expected, string when)
    {
        var sizes = Consensus.GatherInt64(context.World, group.Backend.Header.NextSlotBytes);
        for (var r = 0; r < sizes.Length; r++)
            context.ExpectEqual(sizes[r], (long)expected, $"rank {r}'s next slot size {when}");
    }
}
