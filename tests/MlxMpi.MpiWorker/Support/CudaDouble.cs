using System.Runtime.InteropServices;

namespace MlxMpi.MpiWorker;

/// <summary>
/// The CUDA runtime test double (tests/native/cudart_double.c) that the GPU tests point MLXMPI_CUDART_PATH at. Loading
/// the same path gives the same library instance the shim loaded, so a scenario can arm its failures on one rank.
/// </summary>
internal static unsafe class CudaDouble
{
    public static bool IsConfigured =>
        Environment.GetEnvironmentVariable("MLXMPI_CUDART_PATH") is { Length: > 0 } path && path.Contains("cudart_double");

    /// <summary>Makes the next device copy after <paramref name="successes"/> more fail (-1 disarms).</summary>
    public static void FailCopyAfter(long successes)
    {
        var library = NativeLibrary.Load(Environment.GetEnvironmentVariable("MLXMPI_CUDART_PATH")!);
        var setter = (delegate* unmanaged<long, void>)NativeLibrary.GetExport(library, "cudart_double_fail_copy_after");
        setter(successes);
    }
}
