using System.Runtime.InteropServices;

namespace MlxMpi.Interop;

/// <summary>Owns one shim communicator (mlxmpi_comm*) and frees it exactly once.</summary>
internal sealed unsafe class CommHandle : SafeHandle
{
    private CommHandle() : base(0, ownsHandle: true) { }

    internal static CommHandle FromNative(mlxmpi_comm* comm)
    {
        var handle = new CommHandle();
        handle.SetHandle((nint)comm);
        return handle;
    }

    public override bool IsInvalid => handle == 0;

    internal mlxmpi_comm* Pointer => (mlxmpi_comm*)handle;

    protected override bool ReleaseHandle()
    {
        // A finalizer may get here while another thread is inside a collective: MPI calls are serialised.
        lock (MpiRuntime.CallLock)
            return NativeMethods.mlxmpi_comm_free((mlxmpi_comm*)handle) == (int)mlxmpi_status.MLXMPI_STATUS_OK;
    }
}
