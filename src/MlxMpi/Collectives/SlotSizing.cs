using System.Runtime.CompilerServices;

namespace MlxMpi.Collectives;

/// <summary>
/// The size of a group's header slot, which every rank must know without communicating (MPI_Allgather needs equal
/// counts everywhere). It starts at 64 bytes and follows the gathers: after each header phase every rank computes
/// the next size from the descriptions it received, which are byte-identical on every rank, so every rank computes
/// the same size and the counts always agree. A gather of up to 1 KiB per rank (less in groups of 32 ranks or more:
/// <see cref="ClassesFor"/>) that did not fit grows the slot to the smallest class that holds it, so the next such gather travels in the header (one collective, not two); after
/// <see cref="ShrinkAfter"/> calls in a row that a class smaller would have held, the slot shrinks one class, so a
/// workload that has gone back to small gathers pays a small slot again.
/// </summary>
/// <remarks>
/// Only gathers grow it: a reduction's inline payload is combined by every rank from p slots, which beats
/// MPI_Allreduce only for a few elements, so reductions keep the 64-byte room (<see cref="RoomFor"/>).
/// Measured at 4 oversubscribed ranks (docs/performance.md): two collectives of 64 B to 1 KiB cost 14-22 us, one
/// costs 6-13 us.
/// </remarks>
internal struct SlotSizing
{
    /// <summary>
    /// The slot classes, in bytes. A slot costs what a gather of its size costs, which is a step function here: Open
    /// MPI's shared-memory transport sends up to 256 bytes inline (btl_vader_max_inline_send), so at 2 ranks a
    /// 256-byte MPI_Allgather takes 0.21 us and a 264-byte one 0.41 us, flat from there to 1088 (3 ranks: 4.4 and
    /// 8.1 us). Hence classes up to 256 (payloads to 216 B of a 1-D array in one cheap collective), then 576 and 1088
    /// (1 KiB plus a description): one collective of those still beats a 64-byte header plus the data phase.
    /// Beyond 1 KiB the step to the next slot would cross the eager limit (4 KiB: 2.7 us), which every small call
    /// would pay until the slot shrinks.
    /// </summary>
    private static ReadOnlySpan<int> Classes => [HeaderSlot.Size, 128, 192, 256, 576, 1088];

    /// <summary>Consecutive calls that a smaller class would have held before the slot shrinks one class.</summary>
    internal const int ShrinkAfter = 64;

    private readonly int largestIndex;
    private int classIndex;
    private int smallStreak;

    /// <summary>The sizing of a group of <paramref name="groupSize"/> ranks (the largest class depends on it).</summary>
    internal SlotSizing(int groupSize) => largestIndex = LargestIndexFor(groupSize);

    /// <summary>
    /// The classes a group of <paramref name="groupSize"/> may use. Larger groups stop lower because MPI changes
    /// algorithm with the bytes per rank: Open MPI 4.1.4's fixed rules gather by recursive doubling (log2 p steps)
    /// below 1024 bytes per rank at 32-63 ranks and below 512 at 64-255, by neighbor exchange (p / 2 steps) above,
    /// so a slot past those sizes would make a small gather take p / 2 steps where a 64-byte header and the data
    /// phase take 2 log2 p (scripts/bench_model.py: 256 B at 64 ranks 69 against 26 us). Below 32 ranks every size
    /// up to 1088 is recursive doubling; from 64 ranks on 256 bytes stays in a logarithmic algorithm up to 4096
    /// ranks.
    /// </summary>
    internal static int[] ClassesFor(int groupSize) => Classes[..(LargestIndexFor(groupSize) + 1)].ToArray();

    private static int LargestIndexFor(int groupSize) =>
        groupSize < 32 ? Classes.Length - 1 : groupSize < 64 ? Classes.IndexOf(576) : Classes.IndexOf(256);

    /// <summary>The largest slot a group of this size may grow to.</summary>
    private readonly int Largest => Classes[largestIndex];

    /// <summary>The slot size the next call uses.</summary>
    internal readonly int Bytes
    {
        [MethodImpl(HotPath.Inlined)]
        get => Classes[classIndex];
    }

    /// <summary>The inline room of a call of <paramref name="op"/> in a slot of <paramref name="slotBytes"/>.</summary>
    [MethodImpl(HotPath.Inlined)]
    internal static int RoomFor(CollectiveOp op, int slotBytes) => GrowsSlot(op) ? slotBytes : HeaderSlot.Size;

    /// <summary>The ops whose payloads the slot grows for.</summary>
    internal static bool GrowsSlot(CollectiveOp op) => op is CollectiveOp.AllGather or CollectiveOp.AllGatherInto or CollectiveOp.AllGatherUneven;

    /// <summary>
    /// Takes one header phase into account: <paramref name="largestNeed"/> is the most slot bytes any rank's gather
    /// would have taken inline (0 when no rank gathered on the host), the same on every rank.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    internal void Observe(long largestNeed)
    {
        if (largestNeed > Largest)
            largestNeed = 0; // a payload no slot holds moves in the data phase whatever the slot's size
        if (largestNeed > Bytes && largestNeed <= Largest)
        {
            while (Classes[classIndex] < largestNeed)
                classIndex++;
            smallStreak = 0;
            return;
        }
        if (classIndex == 0)
            return;
        if (largestNeed > Classes[classIndex - 1])
        {
            smallStreak = 0;
            return;
        }
        if (++smallStreak < ShrinkAfter)
            return;
        classIndex--;
        smallStreak = 0;
    }
}
