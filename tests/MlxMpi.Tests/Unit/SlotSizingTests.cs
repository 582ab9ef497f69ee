using MlxMpi.Collectives;
using NUnit.Framework;

namespace MlxMpi.Tests.Unit;

/// <summary>The slot-size rule on its own (the MPI scenario slot_sizing runs it across ranks): which classes a group
/// of each size may use, and how one group's size moves with what its header phases carried.</summary>
public class SlotSizingTests
{
    [TestCase(2, new[] { 64, 128, 192, 256, 576, 1088 })]
    [TestCase(31, new[] { 64, 128, 192, 256, 576, 1088 })]
    [TestCase(32, new[] { 64, 128, 192, 256, 576 })]
    [TestCase(63, new[] { 64, 128, 192, 256, 576 })]
    [TestCase(64, new[] { 64, 128, 192, 256 })]
    [TestCase(1024, new[] { 64, 128, 192, 256 })]
    public void Larger_groups_stop_below_the_MPI_algorithm_switch(int groupSize, int[] expected)
    {
        Assert.That(SlotSizing.ClassesFor(groupSize), Is.EqualTo(expected));
    }

    [TestCase(2, 1000, 1088)]
    [TestCase(40, 1000, 64)]   // no 40-rank class holds 1000 bytes: the data phase, no growth
    [TestCase(40, 500, 576)]
    [TestCase(100, 500, 64)]
    [TestCase(100, 250, 256)]
    [TestCase(100, 65, 128)]
    public void A_gather_grows_the_slot_to_the_smallest_class_that_holds_it(int groupSize, int need, int expected)
    {
        var sizing = new SlotSizing(groupSize);
        sizing.Observe(need);
        Assert.That(sizing.Bytes, Is.EqualTo(expected));
    }

    [Test]
    public void The_slot_shrinks_one_class_after_64_smaller_calls_in_a_row_and_a_larger_call_resets_the_count()
    {
        var sizing = new SlotSizing(4);
        sizing.Observe(1000);
        Assert.That(sizing.Bytes, Is.EqualTo(1088));
        for (var i = 0; i < SlotSizing.ShrinkAfter - 1; i++)
            sizing.Observe(48);
        Assert.That(sizing.Bytes, Is.EqualTo(1088), "63 small calls");
        sizing.Observe(700); // needs 1088 again
        for (var i = 0; i < SlotSizing.ShrinkAfter - 1; i++)
            sizing.Observe(0); // no gather (a reduction, a device gather): a small call
        Assert.That(sizing.Bytes, Is.EqualTo(1088), "the count restarted");
        sizing.Observe(2000); // too large for any slot: the data phase, also a small call
        Assert.That(sizing.Bytes, Is.EqualTo(576), "the 64th small call");
        for (var i = 0; i < 3 * SlotSizing.ShrinkAfter; i++)
            sizing.Observe(24);
        Assert.That(sizing.Bytes, Is.EqualTo(128), "three more classes down");
        for (var i = 0; i < SlotSizing.ShrinkAfter; i++)
            sizing.Observe(24);
        Assert.That(sizing.Bytes, Is.EqualTo(64));
        for (var i = 0; i < 10 * SlotSizing.ShrinkAfter; i++)
            sizing.Observe(24);
        Assert.That(sizing.Bytes, Is.EqualTo(64), "never below 64");
    }
}
