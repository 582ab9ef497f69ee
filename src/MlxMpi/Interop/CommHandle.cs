using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MlxMpi.Interop;

/// <summary>
/// Owns one shim communicator (mlxmpi_comm*) and frees it exactly once, when the last call that uses it has ended:
/// every native call takes a <see cref="Use"/> (a SafeHandle reference) for its duration, so a Dispose on another
/// thread, or the group's disposal while queued collectives still need it, defers the free instead of leaving a call
/// with a freed communicator.
/// </summary>
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

    // The managed thread id of the collective that holds this handle for its whole run (CollectiveSkeleton: BeginHold
    // before it queues, EndHold after it ends), 0 when none. That call's native calls need no reference of their own:
    // two interlocked operations fewer per native call on the 8-byte path. Only that thread sees its own id here.
    private int heldByRunningCall;

    /// <summary>Holds the communicator until the returned scope is disposed.</summary>
    /// <exception cref="ObjectDisposedException">The handle was already released.</exception>
    [MethodImpl(HotPath.Optimized)]
    internal Scope Use()
    {
        if (heldByRunningCall == Environment.CurrentManagedThreadId)
            return new Scope(this, counted: false);
        var added = false;
        DangerousAddRef(ref added);
        return new Scope(this, counted: true);
    }

    /// <summary>
    /// Holds the communicator for work that outlives the caller's stack frame (a queued collective); pair with
    /// <see cref="EndHold"/>. Throws <see cref="ObjectDisposedException"/> when it is already released.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    internal void BeginHold()
    {
        var added = false;
        DangerousAddRef(ref added);
    }

    [MethodImpl(HotPath.Optimized)]
    internal void EndHold() => DangerousRelease();

    /// <summary>
    /// Marks the collective running on this thread, which holds this handle (<see cref="BeginHold"/>) until after
    /// <see cref="EndRunningCall"/>, so its native calls skip their own reference. Caller holds
    /// <see cref="MpiRuntime.CallLock"/>; returns the previous mark, for a collective started from within another.
    /// </summary>
    [MethodImpl(HotPath.Inlined)]
    internal int BeginRunningCall()
    {
        var previous = heldByRunningCall;
        heldByRunningCall = Environment.CurrentManagedThreadId;
        return previous;
    }

    [MethodImpl(HotPath.Inlined)]
    internal void EndRunningCall(int previous) => heldByRunningCall = previous;

    protected override bool ReleaseHandle()
    {
        // A finalizer may get here while another thread is inside a collective: MPI calls are serialised.
        lock (MpiRuntime.CallLock)
            return NativeMethods.mlxmpi_comm_free((mlxmpi_comm*)handle) == (int)mlxmpi_status.MLXMPI_STATUS_OK;
    }

    /// <summary>One call's hold on the communicator. Dispose exactly once (it is a struct).</summary>
    internal readonly ref struct Scope
    {
        private readonly CommHandle owner;
        private readonly bool counted; // false inside a running collective, which holds the handle already

        internal Scope(CommHandle owner, bool counted)
        {
            this.owner = owner;
            this.counted = counted;
        }

        internal mlxmpi_comm* Pointer
        {
            [MethodImpl(HotPath.Inlined)]
            get => (mlxmpi_comm*)owner.handle;
        }

        [MethodImpl(HotPath.Optimized)]
        public void Dispose()
        {
            if (counted)
                owner.DangerousRelease();
        }
    }
}
