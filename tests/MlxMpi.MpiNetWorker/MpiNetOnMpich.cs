using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MlxMpi.MpiNetWorker;

/// <summary>
/// What a Linux job needs to run MPI.NET 1.4.0 at all, and the two things the tests read beside its API. MPI.NET's
/// MPI.dll imports "msmpi.dll" (MS-MPI); MS-MPI's ABI (int handles, MPI_COMM_WORLD = 0x44000000) is MPICH's, so
/// those imports are served by libmpich.so.12.
/// </summary>
internal static partial class MpiNetOnMpich
{
    private const string Mpich = "libmpich.so.12";

    /// <summary>MPICH's MPI_ERRORS_ARE_FATAL (MPI.NET's constant: the same ABI).</summary>
    internal static int ErrorsAreFatal => MPI.Unsafe.MPI_ERRORS_ARE_FATAL;

    internal static int ErrorsReturn => MPI.Unsafe.MPI_ERRORS_RETURN;

    /// <summary>The line README's "Inside an MPI.NET job" shows; must run before the first MPI.NET call.</summary>
    internal static void MapImportsToMpich() =>
        NativeLibrary.SetDllImportResolver(typeof(MPI.Environment).Assembly,
            (name, _, _) => name.StartsWith("msmpi", StringComparison.Ordinal) ? NativeLibrary.Load(Mpich) : 0);

    /// <summary>The MPI_Comm behind an MPI.NET communicator: its non-public field <c>comm</c>.</summary>
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "comm")]
    internal static extern ref int Handle(MPI.Communicator communicator);

    /// <summary>MPI_Comm_get_errhandler, which MPI.NET does not expose; MPICH's handles are ints.</summary>
    internal static int ErrorHandlerOf(int communicator)
    {
        var rc = MPI_Comm_get_errhandler(communicator, out var handler);
        if (rc != 0)
            throw new InvalidOperationException($"MPI_Comm_get_errhandler(0x{communicator:x}) returned {rc}");
        return handler;
    }

    /// <summary>MPI_Comm_set_errhandler, also not exposed by MPI.NET.</summary>
    internal static void SetErrorHandler(int communicator, int handler)
    {
        var rc = MPI_Comm_set_errhandler(communicator, handler);
        if (rc != 0)
            throw new InvalidOperationException($"MPI_Comm_set_errhandler(0x{communicator:x}) returned {rc}");
    }

    [LibraryImport(Mpich)]
    private static partial int MPI_Comm_set_errhandler(int comm, int errhandler);

    [LibraryImport(Mpich)]
    private static partial int MPI_Comm_get_errhandler(int comm, out int errhandler);
}
