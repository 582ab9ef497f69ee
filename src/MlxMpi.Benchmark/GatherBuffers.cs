using System.Runtime.CompilerServices;

namespace MlxMpi.Benchmark;

/// <summary>
/// Everything one size needs, allocated once and reused by every iteration of every repeat (a fresh buffer per call
/// would measure page faults, not the gather): this rank's random non-zero payload as an MlxArray and the
/// preallocated output. The raw C variant gathers from and into the very same memory as AllGatherInto, so the two
/// differ only in code: on this VM, identical MPI_Allgather loops over different but equally warm buffer pairs
/// differed by up to 30% at 64 MiB, depending on where the buffers landed in memory.
/// </summary>
internal sealed unsafe class GatherBuffers : IDisposable
{
    /// <param name="reduce">For --op allsum: the payload is float32 values in [1, 2) and the output has the input's
    /// size (bytes must be a multiple of 4).</param>
    internal GatherBuffers(long bytes, int ranks, int rank, Random random, bool reduce = false)
    {
        Bytes = bytes;
        Ranks = ranks;
        Rank = rank;
        Reduce = reduce;
        Data = new byte[bytes];
        for (var i = 0; i < Data.Length; i++)
            Data[i] = (byte)random.Next(1, 256);
        if (reduce)
        {
            var values = new float[bytes / sizeof(float)];
            for (var i = 0; i < values.Length; i++)
                values[i] = 1f + (float)random.NextDouble();
            Buffer.BlockCopy(values, 0, Data, 0, Data.Length);
            Input = MlxArray.FromArray(values);
            Output = MlxArray.Zeros([values.Length], Dtype.Float32);
        }
        else
        {
            Input = MlxArray.FromArray(Data);
            Output = MlxArray.Zeros([checked((int)(bytes * ranks))], Dtype.UInt8);
        }
        Send = DataPointerOf(Input);
        Receive = DataPointerOf(Output);
    }

    internal long Bytes { get; }
    internal bool Reduce { get; }
    internal int Ranks { get; }
    internal int Rank { get; }
    internal byte[] Data { get; }
    internal MlxArray Input { get; }
    internal MlxArray Output { get; }
    /// <summary>Input's memory, for the raw C variant.</summary>
    internal byte* Send { get; }
    /// <summary>Output's memory (contiguous, Bytes x Ranks), for the raw C variant.</summary>
    internal byte* Receive { get; }

    /// <summary>A managed Bytes x Ranks array for MPI.NET's reused-output variant (its API takes T[]), made on first use.</summary>
    internal byte[] ManagedOutput => managedOutput ??= new byte[checked((int)(Bytes * Ranks))];

    private byte[]? managedOutput;

    // MlxArray keeps its memory internal; the benchmark reads the address so that raw C and AllGatherInto share
    // buffers. Benchmark-only: applications have no business with it. Both arrays outlive every use (this object
    // owns them), so no lease is needed.
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_DataPointer")]
    private static extern byte* DataPointerOf(MlxArray array);

    /// <summary>
    /// Checks, outside the timed region, that each variant gathers the right bytes: the output is zeroed before each
    /// gather (the payload has no zero byte, so an unwritten block shows), this rank's block must be its own payload,
    /// and all variants must produce the same result. Throws otherwise: a benchmark of a wrong result is worthless.
    /// </summary>
    internal void Verify(Group world)
    {
        if (Reduce)
        {
            VerifySum(world);
            return;
        }
        var total = (int)(Bytes * Ranks);
        var output = new Span<byte>(Receive, total);
        output.Clear();
        Distributed.AllGatherInto(Input, Output, world);
        var expected = output.ToArray();
        if (!expected.AsSpan((int)(Rank * Bytes), (int)Bytes).SequenceEqual(Data) || expected.AsSpan().IndexOf((byte)0) >= 0)
            throw new InvalidOperationException($"AllGatherInto of {Bytes} B: a block is missing or this rank's block is not its payload");

        output.Clear();
        Variant.RawC.Measure(this, world, 0, 1);
        if (!output.SequenceEqual(expected))
            throw new InvalidOperationException($"raw MPI_Allgather of {Bytes} B differs from AllGatherInto");

        using var gathered = Distributed.AllGather(Input, world);
        if (gathered.Shape.Count != 1 || gathered.Shape[0] != total)
            throw new InvalidOperationException($"AllGather of {Bytes} B returned shape ({string.Join(", ", gathered.Shape)})");
        var copy = GC.AllocateUninitializedArray<byte>(total);
        gathered.CopyTo<byte>(copy);
        if (!copy.AsSpan().SequenceEqual(expected))
            throw new InvalidOperationException($"AllGather of {Bytes} B differs from AllGatherInto");

        if (MpiNetPeer.Active)
        {
            var (into, fresh) = MpiNetPeer.GatherOnce(this);
            if (!into.AsSpan().SequenceEqual(expected) || !fresh.AsSpan().SequenceEqual(expected))
                throw new InvalidOperationException($"MPI.NET's AllgatherFlattened of {Bytes} B differs from AllGatherInto");
        }
    }

    /// <summary>
    /// AllSumInto, raw MPI_Allreduce and AllSum must agree, and each element must be within float32 rounding of
    /// the sum computed here in double from every rank's values (gathered outside the timed region).
    /// </summary>
    private void VerifySum(Group world)
    {
        var count = (int)(Bytes / sizeof(float));
        using var all = Distributed.AllGather(Input, world);
        var inputs = all.ToArray<float>();
        var output = new Span<float>(Receive, count);
        output.Clear();
        Distributed.AllSumInto(Input, Output, world);
        var into = output.ToArray();
        output.Clear();
        Variant.RawAllReduce.Measure(this, world, 0, 1);
        var raw = output.ToArray();
        using var fresh = Distributed.AllSum(Input, world);
        var allocated = fresh.ToArray<float>();
        for (var i = 0; i < count; i++)
        {
            double exact = 0;
            for (var r = 0; r < Ranks; r++)
                exact += inputs[r * count + i];
            foreach (var (what, got) in new[] { ("AllSumInto", into[i]), ("raw MPI_Allreduce", raw[i]), ("AllSum", allocated[i]) })
            {
                if (Math.Abs(got - exact) > 1e-6 * Ranks * Math.Abs(exact))
                    throw new InvalidOperationException($"{what} of {Bytes} B: element {i} is {got}, expected {exact}");
            }
        }
    }

    public void Dispose()
    {
        Input.Dispose();
        Output.Dispose();
    }
}
