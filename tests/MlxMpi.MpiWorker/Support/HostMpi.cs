using System.Runtime.InteropServices;

namespace MlxMpi.MpiWorker;

/// <summary>
/// A host program's own MPI binding, as MPI.NET or hand-written P/Invoke would be: it opens the MPI library of the
/// launcher (libmpi.so.40 for Open MPI, libmpich.so.12 for MPICH), calls MPI_Init itself, and reads the error handlers
/// of MPI_COMM_WORLD and MPI_COMM_SELF, whose handles differ by ABI (Open MPI: addresses of exported objects; MPICH:
/// fixed integers). Handles travel as nint; MPICH's are ints, which the x86-64 calling convention passes the same way.
/// </summary>
internal sealed unsafe class HostMpi
{
    private readonly nint _library;
    private readonly delegate* unmanaged<int*, byte***, int> _init;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<nint, nint*, int> _getErrhandler;
    private readonly delegate* unmanaged<nint*, int> _freeErrhandler;

    public HostMpi(bool mpich)
    {
        IsMpich = mpich;
        _library = NativeLibrary.Load(mpich ? "libmpich.so.12" : "libmpi.so.40");
        _init = (delegate* unmanaged<int*, byte***, int>)Export("MPI_Init");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        _getErrhandler = (delegate* unmanaged<nint, nint*, int>)Export("MPI_Comm_get_errhandler");
        _freeErrhandler = (delegate* unmanaged<nint*, int>)Export("MPI_Errhandler_free");
        World = mpich ? 0x44000000 : Export("ompi_mpi_comm_world");
        Self = mpich ? 0x44000001 : Export("ompi_mpi_comm_self");
        ErrorsAreFatal = mpich ? 0x54000000 : Export("ompi_mpi_errors_are_fatal");
        ErrorsReturn = mpich ? 0x54000001 : Export("ompi_mpi_errors_return");
    }

    public bool IsMpich { get; }
    public nint World { get; }
    public nint Self { get; }
    public nint ErrorsAreFatal { get; }
    public nint ErrorsReturn { get; }

    public void Init() => Require(_init(null, null), "MPI_Init");

    public void FinalizeMpi() => Require(_finalize(), "MPI_Finalize");

    /// <summary>The communicator's error handler (the reference MPI_Comm_get_errhandler hands out is freed).</summary>
    public nint ErrhandlerOf(nint comm)
    {
        nint handler = 0;
        Require(_getErrhandler(comm, &handler), "MPI_Comm_get_errhandler");
        // MPICH writes a 4-byte int into the 8 zeroed bytes.
        var value = IsMpich ? (nint)(int)handler : handler;
        Require(_freeErrhandler(&handler), "MPI_Errhandler_free");
        return value;
    }

    public string Name(nint handler) =>
        handler == ErrorsAreFatal ? "MPI_ERRORS_ARE_FATAL" : handler == ErrorsReturn ? "MPI_ERRORS_RETURN" : $"0x{handler:x}";

    private nint Export(string name) => NativeLibrary.GetExport(_library, name);

    private static void Require(int rc, string call)
    {
        if (rc != 0)
            throw new InvalidOperationException($"{call} returned {rc}");
    }
}
