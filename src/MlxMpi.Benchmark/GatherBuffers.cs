using System.Runtime.InteropServices;

namespace MlxMpi.Benchmark;

/// <summary>
/// Everything one size needs, allocated once and reused by every iteration of every repeat (a fresh buffer per call
/// would measure page faults, not the gather): this rank's random non-zero payload as an MlxArray, the preallocated
/// AllGatherInto output, and the raw C variant's own send and receive buffers. Outputs start zeroed, so a block that
/// a gather never wrote is caught by <see cref="Verify"/>.
/// </summary>
internal sealed unsafe class GatherBuffers : IDisposable
{
    internal GatherBuffers(long bytes, int ranks, int rank, Random random)
    {
        Bytes = bytes;
        Ranks = ranks;
        Rank = rank;
        Data = new byte[bytes];
        for (var i = 0; i < Data.Length; i++)
            Data[i] = (byte)random.Next(1, 256);
        Input = MlxArray.FromArray(Data);
        Output = MlxArray.Zeros([checked((int)(bytes * ranks))], Dtype.UInt8);
        RawSend = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        RawReceive = (byte*)NativeMemory.AlignedAlloc((nuint)(bytes * ranks), 64);
        Data.CopyTo(new Span<byte>(RawSend, Data.Length));
        NativeMemory.Clear(RawReceive, (nuint)(bytes * ranks));
    }

    internal long Bytes { get; }
    internal int Ranks { get; }
    internal int Rank { get; }
    internal byte[] Data { get; }
    internal MlxArray Input { get; }
    internal MlxArray Output { get; }
    internal byte* RawSend { get; }
    internal byte* RawReceive { get; }

    /// <summary>
    /// Checks, outside the timed region, that the three variants gathered the same bytes and that this rank's
    /// block is its own payload; throws otherwise (a benchmark of a wrong result is worthless).
    /// </summary>
    internal void Verify(Group world)
    {
        var total = (int)(Bytes * Ranks);
        var raw = new ReadOnlySpan<byte>(RawReceive, total);
        if (!raw.Slice((int)(Rank * Bytes), (int)Bytes).SequenceEqual(Data))
            throw new InvalidOperationException($"raw MPI_Allgather of {Bytes} B: this rank's block is not its payload");
        if (raw.IndexOf((byte)0) >= 0)
            throw new InvalidOperationException($"raw MPI_Allgather of {Bytes} B left bytes unwritten");

        var copy = GC.AllocateUninitializedArray<byte>(total);
        Output.CopyTo<byte>(copy);
        if (!raw.SequenceEqual(copy))
            throw new InvalidOperationException($"AllGatherInto of {Bytes} B differs from raw MPI_Allgather");
        using var gathered = Distributed.AllGather(Input, world);
        if (gathered.Shape.Count != 1 || gathered.Shape[0] != total)
            throw new InvalidOperationException($"AllGather of {Bytes} B returned shape ({string.Join(", ", gathered.Shape)})");
        Array.Clear(copy);
        gathered.CopyTo<byte>(copy);
        if (!raw.SequenceEqual(copy))
            throw new InvalidOperationException($"AllGather of {Bytes} B differs from raw MPI_Allgather");
    }

    public void Dispose()
    {
        Input.Dispose();
        Output.Dispose();
        NativeMemory.AlignedFree(RawSend);
        NativeMemory.AlignedFree(RawReceive);
    }
}
