using System.Diagnostics;

namespace MlxMpi.Benchmark;

/// <summary>The variants measured in the benchmark process; their CSV names are what the report script reads.</summary>
internal enum Variant
{
    /// <summary>(a) MPI_Allgather on preallocated buffers, timed in C: the floor.</summary>
    RawC,
    /// <summary>(b) Distributed.AllGather with validation, disposing each result.</summary>
    AllGather,
    /// <summary>(c) Distributed.AllGatherInto into a preallocated output.</summary>
    AllGatherInto,
    /// <summary>(e) MPI.NET's AllgatherFlattened into a reused managed array (MPICH only).</summary>
    MpiNetFlattenedInto,
    /// <summary>(f) MPI.NET's AllgatherFlattened returning a new array per call (MPICH only).</summary>
    MpiNetFlattened,
    /// <summary>--op allsum (a): MPI_Allreduce(MPI_SUM) of float32 on preallocated buffers, timed in C: the floor.</summary>
    RawAllReduce,
    /// <summary>--op allsum (b): Distributed.AllSum, disposing each result.</summary>
    AllSum,
    /// <summary>--op allsum (c): Distributed.AllSumInto a preallocated output.</summary>
    AllSumInto,
}

internal static class Variants
{
    /// <summary>The all_gather variants this run measures: MPI.NET's join when it started MPI (MPICH).</summary>
    internal static Variant[] All => MpiNetPeer.Active ? WithMpiNet : Base;

    /// <summary>The variants of one op: the floor first, then the allocating and the Into form.</summary>
    internal static Variant[] For(string op) => op == Options.AllSumOp ? Reduce : All;

    private static readonly Variant[] Reduce = [Variant.RawAllReduce, Variant.AllSum, Variant.AllSumInto];

    private static readonly Variant[] Base = [Variant.RawC, Variant.AllGather, Variant.AllGatherInto];
    private static readonly Variant[] WithMpiNet = [.. Base, Variant.MpiNetFlattenedInto, Variant.MpiNetFlattened];

    internal static string CsvName(this Variant variant) => variant switch
    {
        Variant.RawC => "raw_c",
        Variant.AllGather => "allgather",
        Variant.AllGatherInto => "allgather_into",
        Variant.MpiNetFlattenedInto => "mpinet_flattened_into",
        Variant.RawAllReduce => "raw_c_allreduce",
        Variant.AllSum => "allsum",
        Variant.AllSumInto => "allsum_into",
        _ => "mpinet_flattened",
    };

    internal static string Title(this Variant variant) => variant switch
    {
        Variant.RawC => "raw C MPI_Allgather",
        Variant.AllGather => "AllGather",
        Variant.AllGatherInto => "AllGatherInto",
        Variant.MpiNetFlattenedInto => "MPI.NET AllgatherFlattened (reused output)",
        Variant.RawAllReduce => "raw C MPI_Allreduce",
        Variant.AllSum => "AllSum",
        Variant.AllSumInto => "AllSumInto",
        _ => "MPI.NET AllgatherFlattened (new array)",
    };

    /// <summary>
    /// One OSU-style measurement: <paramref name="warmup"/> untimed calls, a barrier, <paramref name="iterations"/>
    /// timed calls; returns seconds per call averaged over the iterations on each rank, then the maximum over
    /// ranks. Collective: every rank must call it with the same arguments.
    /// </summary>
    internal static unsafe double Measure(this Variant variant, GatherBuffers buffers, Group world, long warmup, long iterations)
    {
        if (variant == Variant.RawC)
            return BenchNative.RawAllGather(buffers.Send, buffers.Receive, buffers.Bytes, warmup, iterations);
        if (variant == Variant.RawAllReduce)
            return BenchNative.RawAllReduce(buffers.Send, buffers.Receive, buffers.Bytes / sizeof(float), warmup, iterations);
        if (variant is Variant.MpiNetFlattenedInto or Variant.MpiNetFlattened)
            return MpiNetPeer.Measure(variant, buffers, warmup, iterations);

        var calls = new ManagedCalls(buffers.Input, buffers.Output, world);
        return variant switch
        {
            Variant.AllGather => Loop<AllGatherCall>(calls, warmup, iterations),
            Variant.AllSum => Loop<AllSumCall>(calls, warmup, iterations),
            Variant.AllSumInto => Loop<AllSumIntoCall>(calls, warmup, iterations),
            _ => Loop<AllGatherIntoCall>(calls, warmup, iterations),
        };
    }

    /// <summary>
    /// The timed loop of a managed variant, as plain as the C loop: the call is a struct type parameter, so the JIT
    /// compiles one loop per variant with the call inlined, no delegate or branch inside the timed region.
    /// </summary>
    private static double Loop<TCall>(ManagedCalls calls, long warmup, long iterations) where TCall : struct, IBenchCall
    {
        for (var i = 0L; i < warmup; i++)
            TCall.Invoke(calls);
        BenchNative.Barrier();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0L; i < iterations; i++)
            TCall.Invoke(calls);
        var perCall = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency / iterations;
        return BenchNative.Max(perCall);
    }

    internal readonly record struct ManagedCalls(MlxArray X, MlxArray Output, Group World);

    private interface IBenchCall
    {
        static abstract void Invoke(ManagedCalls c);
    }

    private readonly struct AllGatherCall : IBenchCall
    {
        public static void Invoke(ManagedCalls c) => Distributed.AllGather(c.X, c.World).Dispose();
    }

    private readonly struct AllGatherIntoCall : IBenchCall
    {
        public static void Invoke(ManagedCalls c) => Distributed.AllGatherInto(c.X, c.Output, c.World);
    }

    private readonly struct AllSumCall : IBenchCall
    {
        public static void Invoke(ManagedCalls c) => Distributed.AllSum(c.X, c.World).Dispose();
    }

    private readonly struct AllSumIntoCall : IBenchCall
    {
        public static void Invoke(ManagedCalls c) => Distributed.AllSumInto(c.X, c.Output, c.World);
    }
}
