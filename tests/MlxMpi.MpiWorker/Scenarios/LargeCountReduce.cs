namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// AllSum and Send/Recv of more than 2^31 elements per rank ((2^31 + 2^20) uint8, shape [2, 2^30 + 2^19]), as
/// <see cref="LargeCount"/> does for AllGather: every byte of the sum (the wrapping sum of every rank's pattern) and
/// of each received message (the sender's pattern) is checked. About 6.5 GiB per rank at the peak.
/// </summary>
internal static unsafe class LargeCountReduce
{
    [Scenario("large_count_reduce", Suite.LargeCount)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        using var x = MlxArray.Allocate([2, LargeCount.Columns], Dtype.UInt8);
        LargeCount.Fill(x.DataPointer, world.Rank);
        using (var sum = MlxArray.Allocate([2, LargeCount.Columns], Dtype.UInt8))
        {
            LargeCount.Poison(sum);
            Distributed.AllSumInto(x, sum, world);
            var bad = FirstWrong(sum.DataPointer, world.Size, 0, world.Size);
            context.Expect(bad < 0, $"AllSum of {LargeCount.PerRank} bytes per rank differs at byte {bad}");
        }

        // Rank r sends to r + 1 (even ranks first), and checks what it received from r - 1.
        var previous = PeerRing.Previous(world);
        var received = PeerRing.SendOnward(world, x);
        using (received)
        {
            var bad = FirstWrong(received.DataPointer, 1, previous, world.Size);
            context.Expect(bad < 0, $"Recv of {LargeCount.PerRank} bytes from rank {previous} differs at byte {bad}");
        }
    }

    /// <summary>The first byte that is not the wrapping sum of the patterns of ranks first, first + 1, ... (count of them, mod size).</summary>
    private static long FirstWrong(byte* data, int count, int first, int size)
    {
        long firstBad = -1;
        Parallel.For(0, 64, (part, state) =>
        {
            var (start, end) = LargeCount.Range(part);
            for (var i = start; i < end; i++)
            {
                var want = 0;
                for (var k = 0; k < count; k++)
                    want += LargeCount.Pattern(i, (first + k) % size);
                if (data[i] != (byte)want)
                {
                    Interlocked.CompareExchange(ref firstBad, i, -1);
                    state.Stop();
                    return;
                }
            }
        });
        return firstBad;
    }
}
