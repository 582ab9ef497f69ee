using System.Diagnostics;
using MlxMpi.Interop;

namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// A gather of more than 2^31 elements per rank: (2^31 + 2^20) bytes of uint8 each, in shape [2, 2^30 + 2^19] (a
/// dimension is an int). Each rank fills its input with a pattern of (rank, index) in place, the result is
/// poisoned, and every byte of it is checked. Also times the same bytes moved as two MPI_Allgather calls of
/// fewer than 2^31 elements each (the chunking a user of raw MPI would write) for comparison. Needs about
/// 6.5 GiB per rank: the test runs it only when the machine has the memory.
/// </summary>
internal static unsafe class LargeCount
{
    private const int Columns = (1 << 30) + (1 << 19);
    private const long PerRank = 2L * Columns; // 2^31 + 2^20

    [Scenario("large_count", Suite.LargeCount)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        using var x = MlxArray.Allocate([2, Columns], Dtype.UInt8);
        Fill(x.DataPointer, world.Rank);
        using var result = MlxArray.Allocate([2 * world.Size, Columns], Dtype.UInt8);
        Poison(result);

        Consensus.GatherInt64(world, 0); // start together
        var clock = Stopwatch.StartNew();
        Distributed.AllGatherInto(x, result, world);
        var gather = clock.Elapsed;

        // Raw chunked: the same bytes as two MPI_Allgather calls of one row each (2^30 + 2^19 < 2^31 elements).
        // Into memory already touched, as the result above was, so page faults do not count against either.
        using var chunked = MlxArray.Allocate([2 * world.Size, Columns], Dtype.UInt8);
        Poison(chunked);
        Consensus.GatherInt64(world, 0);
        clock.Restart();
        for (var row = 0; row < 2; row++)
        {
            // Rows gathered one at a time land rank-interleaved; only the timing matters here.
            ShimCalls.AllGather(world.Backend.Comm, x.DataPointer + row * (long)Columns,
                                chunked.DataPointer + row * (long)Columns * world.Size, Columns, (int)Dtype.UInt8);
        }
        var raw = clock.Elapsed;
        context.Info($"{PerRank} bytes per rank: AllGatherInto {gather.TotalSeconds:F2} s, raw chunked 2 x MPI_Allgather {raw.TotalSeconds:F2} s " +
                     $"(ratio {gather.TotalSeconds / raw.TotalSeconds:F2})");

        for (var source = 0; source < world.Size; source++)
        {
            var offset = source * PerRank;
            var firstBad = FirstMismatch(result.DataPointer + offset, source);
            context.Expect(firstBad < 0, $"rank {source}'s block differs at byte {firstBad} (of {PerRank})");
        }
    }

    private static void Poison(MlxArray array)
    {
        for (long done = 0, total = array.NBytes; done < total; done += 1 << 30)
            new Span<byte>(array.DataPointer + done, (int)Math.Min(1 << 30, total - done)).Fill(0xCD);
    }

    private static byte Pattern(long index, int rank) => (byte)((index * 7 + (index >> 20) + rank * 31 + 1) % 251);

    private static void Fill(byte* data, int rank)
    {
        Parallel.For(0, 64, part =>
        {
            var (start, end) = Range(part);
            for (var i = start; i < end; i++)
                data[i] = Pattern(i, rank);
        });
    }

    private static long FirstMismatch(byte* block, int rank)
    {
        long first = -1;
        Parallel.For(0, 64, (part, state) =>
        {
            var (start, end) = Range(part);
            for (var i = start; i < end; i++)
            {
                if (block[i] != Pattern(i, rank))
                {
                    Interlocked.CompareExchange(ref first, i, -1);
                    state.Stop();
                    return;
                }
            }
        });
        return first;
    }

    private static (long Start, long End) Range(int part) => (PerRank * part / 64, PerRank * (part + 1) / 64);
}
