using System.Runtime.InteropServices;

namespace MlxMpi.Benchmark;

/// <summary>
/// The raw C floor, native/bench/mlxmpi_bench.c (libmlxmpi_bench.so beside this program). A benchmark-only helper
/// declared here by hand: it is not part of the shim's ABI, so it has no place in the generated bindings.
/// </summary>
internal static unsafe partial class BenchNative
{
    private const string Library = "mlxmpi_bench";

    // Under MPICH the floor must call MPICH: libmlxmpi_bench.mpich.so, built with mpicc.mpich (the MPICH CMake tree).
    static BenchNative()
    {
        if (MpiNetPeer.IsMpichLaunch())
            NativeLibrary.SetDllImportResolver(typeof(BenchNative).Assembly, static (name, _, _) =>
                name == Library ? NativeLibrary.Load(Path.Combine(AppContext.BaseDirectory, "libmlxmpi_bench.mpich.so")) : 0);
    }

    [LibraryImport(Library)]
    private static partial int mlxmpi_bench_open(int* rank, int* size);

    [LibraryImport(Library)]
    private static partial int mlxmpi_bench_close();

    [LibraryImport(Library)]
    private static partial int mlxmpi_bench_barrier();

    [LibraryImport(Library)]
    private static partial int mlxmpi_bench_max(double* value);

    [LibraryImport(Library)]
    private static partial int mlxmpi_bench_raw_allgather(void* send, void* recv, long bytes, long warmup, long iterations, double* seconds);

    [LibraryImport(Library)]
    private static partial int mlxmpi_bench_raw_allreduce(void* send, void* recv, long count, long warmup, long iterations, double* seconds);

    [LibraryImport(Library)]
    private static partial void mlxmpi_bench_error_string(int code, byte* buffer, int capacity);

    [LibraryImport(Library)]
    private static partial void mlxmpi_bench_mpi_version(byte* buffer, int capacity);

    /// <summary>Duplicates MPI_COMM_WORLD for the benchmark's own collectives (MPI must be initialised already).</summary>
    internal static (int Rank, int Size) Open()
    {
        int rank, size;
        Check(mlxmpi_bench_open(&rank, &size), "mlxmpi_bench_open");
        return (rank, size);
    }

    internal static void Close() => Check(mlxmpi_bench_close(), "mlxmpi_bench_close");

    internal static void Barrier() => Check(mlxmpi_bench_barrier(), "mlxmpi_bench_barrier");

    /// <summary>The maximum of <paramref name="value"/> over all ranks (an MPI_Allreduce, outside any timed region).</summary>
    internal static double Max(double value)
    {
        Check(mlxmpi_bench_max(&value), "mlxmpi_bench_max");
        return value;
    }

    /// <summary>Seconds per MPI_Allgather of <paramref name="bytes"/> bytes per rank, max over ranks, timed in C.</summary>
    internal static double RawAllGather(byte* send, byte* recv, long bytes, long warmup, long iterations)
    {
        double seconds;
        Check(mlxmpi_bench_raw_allgather(send, recv, bytes, warmup, iterations, &seconds), "mlxmpi_bench_raw_allgather");
        return seconds;
    }

    /// <summary>Seconds per MPI_Allreduce(MPI_SUM) of <paramref name="count"/> floats, max over ranks, timed in C.</summary>
    internal static double RawAllReduce(byte* send, byte* recv, long count, long warmup, long iterations)
    {
        double seconds;
        Check(mlxmpi_bench_raw_allreduce(send, recv, count, warmup, iterations, &seconds), "mlxmpi_bench_raw_allreduce");
        return seconds;
    }

    internal static string MpiLibraryVersion()
    {
        var buffer = stackalloc byte[512];
        mlxmpi_bench_mpi_version(buffer, 512);
        return Marshal.PtrToStringUTF8((nint)buffer) ?? "";
    }

    private static void Check(int code, string call)
    {
        if (code == 0)
            return;
        var buffer = stackalloc byte[512];
        mlxmpi_bench_error_string(code, buffer, 512);
        throw new InvalidOperationException($"{call} failed: {Marshal.PtrToStringUTF8((nint)buffer)} (MPI error {code})");
    }
}
