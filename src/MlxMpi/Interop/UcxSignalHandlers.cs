using System.Runtime.InteropServices;

namespace MlxMpi.Interop;

/// <summary>
/// UCX (the transport under MPICH 4 here, and an optional one of Open MPI) installs SIGSEGV and SIGBUS handlers that
/// print a backtrace and kill the process. .NET raises NullReferenceException from SIGSEGV, so under those handlers
/// a null dereference that the program means to catch becomes a fatal crash (System.ExecutionEngineException).
/// UCX_HANDLE_ERRORS=none keeps UCX's hands off the signals. UCX reads it when libucs is loaded (its constructor
/// parses the UCX_* variables), which is when the shim and its MPI library load: setting it at MPI_Init is too late
/// (UCX then warns "unused env variable"), so it is set just before the shim is loaded. A value the user chose is
/// kept. It must go into the C environment (setenv): Environment.SetEnvironmentVariable only changes .NET's copy.
/// </summary>
internal static partial class UcxSignalHandlers
{
    internal const string Variable = "UCX_HANDLE_ERRORS";

    internal static void LeaveToTheRuntime()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            _ = SetEnv(Variable, "none", overwrite: 0);
    }

    // CoreCLR maps "libc" to the C library's real file name (libc.so.6 on glibc).
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
