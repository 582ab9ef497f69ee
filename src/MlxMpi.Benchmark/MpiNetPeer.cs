using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MlxMpi.Benchmark;

/// <summary>
/// MPI.NET 1.4.0 as a peer, measured in the same processes as raw C and MlxMpi. Its MPI.dll is a netstandard2.0 build
/// against MS-MPI, whose ABI (int handles) is MPICH's, so on Linux it runs on MPICH once its "msmpi" imports resolve
/// to libmpich.so.12; it cannot run on Open MPI (pointer handles). Under MPICH, MPI.NET starts MPI (at
/// MPI_THREAD_SINGLE, MlxMpi's default level) and MlxMpi shares it, as in an MPI.NET job that adopts MlxMpi.
/// </summary>
internal static class MpiNetPeer
{
    // IDisposable, not MPI.Environment: a field of an MPI.NET type would load MPI.dll with this class, also under
    // Open MPI, where MlxMpi then (rightly) refuses to start MPI beside an MPI.NET that has not (MpiNetGuard).
    private static IDisposable? environment;

    /// <summary>True once MPI.NET started MPI: its variants are then measured.</summary>
    internal static bool Active => environment is not null;

    /// <summary>Hydra (MPICH's launcher) sets PMI_SIZE; Open MPI's sets OMPI_COMM_WORLD_SIZE.</summary>
    internal static bool IsMpichLaunch() =>
        Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is null && Environment.GetEnvironmentVariable("PMI_SIZE") is not null;

    /// <summary>Under MPICH, starts MPI through MPI.NET (before Distributed.Init); elsewhere does nothing.</summary>
    internal static void StartIfMpich(string[] args)
    {
        if (IsMpichLaunch())
            environment = Start(args);
    }

    // Out of line, so that MPI.dll loads only when this runs (the JIT resolves a method's types when compiling it).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static IDisposable Start(string[] args)
    {
        NativeLibrary.SetDllImportResolver(typeof(MPI.Environment).Assembly, static (_, _, _) => NativeLibrary.Load("libmpich.so.12"));
        return new MPI.Environment(ref args, MPI.Threading.Single);
    }

    /// <summary>Finalizes MPI through MPI.NET, which started it (after every other MPI call).</summary>
    internal static void Stop()
    {
        environment?.Dispose();
        environment = null;
    }

    /// <summary>
    /// One measurement, as <see cref="Variants.Measure"/>: AllgatherFlattened into a reused managed array (the
    /// AllGatherInto of MPI.NET), or the overload that returns a new array per call (its AllGather).
    /// </summary>
    internal static double Measure(Variant variant, GatherBuffers buffers, long warmup, long iterations)
    {
        var world = MPI.Communicator.world;
        var send = buffers.Data;
        var count = send.Length;
        long start;
        if (variant == Variant.MpiNetFlattenedInto)
        {
            var output = buffers.ManagedOutput;
            for (var i = 0L; i < warmup; i++)
                world.AllgatherFlattened(send, count, ref output);
            BenchNative.Barrier();
            start = Stopwatch.GetTimestamp();
            for (var i = 0L; i < iterations; i++)
                world.AllgatherFlattened(send, count, ref output);
        }
        else
        {
            for (var i = 0L; i < warmup; i++)
                _ = world.AllgatherFlattened(send, count);
            BenchNative.Barrier();
            start = Stopwatch.GetTimestamp();
            for (var i = 0L; i < iterations; i++)
                _ = world.AllgatherFlattened(send, count);
        }
        var perCall = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency / iterations;
        return BenchNative.Max(perCall);
    }

    /// <summary>Both variants' result, for <see cref="GatherBuffers.Verify"/>.</summary>
    internal static (byte[] Into, byte[] Fresh) GatherOnce(GatherBuffers buffers)
    {
        var world = MPI.Communicator.world;
        var output = buffers.ManagedOutput;
        Array.Clear(output);
        world.AllgatherFlattened(buffers.Data, buffers.Data.Length, ref output);
        return (output, world.AllgatherFlattened(buffers.Data, buffers.Data.Length));
    }
}
