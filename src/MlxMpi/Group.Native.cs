using MlxMpi.Collectives;
using MlxMpi.Interop;

namespace MlxMpi;

// Communicators crossing between MlxMpi and another MPI binding in the same process (MPI.NET, mpi4py through
// Python.NET, the host's own P/Invoke). The shim converts: an MPI_Comm is an int on MPICH (MPI.NET's handles) and a
// pointer on Open MPI; here it is an nint either way.
public sealed partial class Group
{
    /// <summary>
    /// Adopts a communicator that another binding created: MPI.NET's int handle on MPICH (the <c>comm</c> of an
    /// <c>MPI.Communicator</c>), the <c>MPI_Comm</c> pointer on Open MPI. MlxMpi works on its own
    /// <c>MPI_Comm_dup</c> of it, so the caller's communicator keeps its error handler, attributes and traffic, and
    /// stays the caller's to free; disposing the returned group frees only the duplicate. Collective over that
    /// communicator: every member rank must call it, in the same order as the caller's other collectives on it.
    /// MPI must be running (initialised by that binding, e.g. <c>new MPI.Environment(ref args)</c>); MlxMpi then
    /// shares it (<see cref="Distributed.Init"/>) and never finalizes it. The value must be a live communicator of
    /// the MPI this process runs: MPI cannot tell a stale or made-up handle from a real one (on Open MPI it is a
    /// pointer), so only MPI_COMM_NULL, intercommunicators and, on MPICH, values wider than 32 bits are refused.
    /// </summary>
    /// <param name="communicator">The MPI_Comm as an integer (an int handle may be sign- or zero-extended).</param>
    /// <exception cref="DistributedException">MPI is not initialised, or the shim cannot be loaded.</exception>
    /// <exception cref="ArgumentException">MPI_COMM_NULL, an intercommunicator, or no handle of this MPI.</exception>
    public static Group FromNative(nint communicator)
    {
        if (!NativeLibraryResolver.TryLoad(out var loadError))
            throw new DistributedException($"Group.FromNative: the MlxMpi shim cannot be loaded, so no communicator can be adopted: {loadError}");
        if (!MpiRuntime.IsInitialized)
            throw new DistributedException(
                $"Group.FromNative(0x{communicator:x}): MPI is not initialised in this process, so this cannot be a live " +
                "communicator. Let the binding that created it start MPI first (MPI.NET: create `new MPI.Environment(ref args)` " +
                "before using MlxMpi), and adopt its communicators while MPI runs.");
        var world = Distributed.Init();
        if (world.IsSingleton)
            throw new DistributedException($"Group.FromNative(0x{communicator:x}): MlxMpi could not join the running MPI (Distributed.Init returned a singleton group)");

        // In collective order: a rank's queued async collectives reach MPI before this dup, as on every other rank.
        return CollectiveQueue.Run(communicator, static (native, announce) =>
        {
            if (announce is not null)
                throw announce;
            lock (MpiRuntime.CallLock)
                return FromComm(ShimCalls.Adopt(native), isWorld: false);
        });
    }

    /// <summary>
    /// This group's own MPI communicator as an integer, to hand to another binding (MPI.NET:
    /// <c>MPI.Communicator.Adopt((int)group.NativeHandle)</c>). The group keeps owning it: it is valid until the group
    /// is disposed, and must not be freed through the other binding (MPI.NET's <c>Dispose</c> of an adopted
    /// communicator calls <c>MPI_Comm_free</c>: let that wrapper go without disposing it, or adopt an
    /// <c>MPI_Comm_dup</c> of this handle instead). Collectives the other binding makes on it must be in the same
    /// order on every rank as MlxMpi's own. It has MPI_ERRORS_RETURN set. The singleton group has none and throws.
    /// </summary>
    /// <exception cref="InvalidOperationException">The singleton group (no MPI).</exception>
    public nint NativeHandle
    {
        get
        {
            ThrowIfDisposed();
            if (IsSingleton)
                throw new InvalidOperationException("the singleton group (outside any MPI launcher) has no MPI communicator");
            return ShimCalls.NativeHandleOf(Backend.Comm);
        }
    }
}
