using System.Runtime.CompilerServices;
namespace MlxMpi.Interop;

/// <summary>
/// The checked layer over the shim's communicator functions, as dotnet/runtime's Interop.* and LibGit2Sharp's Proxy:
/// every call on a communicator goes through here, holds the <see cref="CommHandle"/> for its duration and turns the
/// status into an exception (<see cref="NativeStatus"/>). Nothing outside Interop/ touches a raw mlxmpi_comm*.
/// Callers hold <see cref="MpiRuntime.CallLock"/>.
/// </summary>
internal static unsafe class ShimCalls
{
    internal static (int Rank, int Size) RankAndSize(CommHandle comm)
    {
        using var use = comm.Use();
        int rank, size;
        NativeStatus.Check(NativeMethods.mlxmpi_comm_rank(use.Pointer, &rank));
        NativeStatus.Check(NativeMethods.mlxmpi_comm_size(use.Pointer, &size));
        return (rank, size);
    }

    /// <summary>The shim's own MPI_Comm_dup of another binding's communicator (collective over it).</summary>
    internal static CommHandle Adopt(nint native)
    {
        mlxmpi_comm* adopted;
        NativeStatus.Check(NativeMethods.mlxmpi_comm_from_native(native, &adopted));
        return CommHandle.FromNative(adopted);
    }

    /// <summary>The MPI_Comm behind <paramref name="comm"/>, as an integer for another binding.</summary>
    internal static nint NativeHandleOf(CommHandle comm)
    {
        using var use = comm.Use();
        nint native;
        NativeStatus.Check(NativeMethods.mlxmpi_comm_native(use.Pointer, &native));
        return native;
    }

    [MethodImpl(HotPath.Optimized)]
    internal static CommHandle Split(CommHandle comm, int color, int key)
    {
        using var use = comm.Use();
        mlxmpi_comm* subgroup;
        NativeStatus.Check(NativeMethods.mlxmpi_comm_split(use.Pointer, color, key, &subgroup));
        return CommHandle.FromNative(subgroup);
    }

    [MethodImpl(HotPath.Optimized)]
    internal static void AllGather(CommHandle comm, void* send, void* recv, long count, int dtype)
    {
        using var use = comm.Use();
        NativeStatus.Check(NativeMethods.mlxmpi_allgather(use.Pointer, send, recv, count, dtype));
    }

    [MethodImpl(HotPath.Optimized)]
    internal static void AllGatherV(CommHandle comm, void* send, long sendCount, void* recv, long* counts, long* displacements, int dtype)
    {
        using var use = comm.Use();
        NativeStatus.Check(NativeMethods.mlxmpi_allgatherv(use.Pointer, send, sendCount, recv, counts, displacements, dtype));
    }

    [MethodImpl(HotPath.Optimized)]
    internal static void AllReduce(CommHandle comm, void* send, void* recv, long count, int dtype, ReduceOp op)
    {
        using var use = comm.Use();
        NativeStatus.Check(NativeMethods.mlxmpi_allreduce(use.Pointer, send, recv, count, dtype, (int)op));
    }

    [MethodImpl(HotPath.Optimized)]
    internal static void ReduceScatter(CommHandle comm, void* send, void* recv, long recvCount, int dtype, ReduceOp op)
    {
        using var use = comm.Use();
        NativeStatus.Check(NativeMethods.mlxmpi_reduce_scatter(use.Pointer, send, recv, recvCount, dtype, (int)op));
    }

    [MethodImpl(HotPath.Optimized)]
    internal static void Send(CommHandle comm, void* buffer, long count, int dtype, int destination, int tag)
    {
        using var use = comm.Use();
        NativeStatus.Check(NativeMethods.mlxmpi_send(use.Pointer, buffer, count, dtype, destination, tag));
    }

    [MethodImpl(HotPath.Optimized)]
    internal static void Receive(CommHandle comm, void* buffer, long count, int dtype, int source, int tag)
    {
        using var use = comm.Use();
        NativeStatus.Check(NativeMethods.mlxmpi_recv(use.Pointer, buffer, count, dtype, source, tag));
    }

    [MethodImpl(HotPath.Optimized)]
    internal static void DeviceAllGather(CommHandle comm, Device device, void* send, void* recv, long count, int dtype, nint stream)
    {
        using var use = comm.Use();
        NativeStatus.Check(NativeMethods.mlxmpi_allgather_device(use.Pointer, DeviceRuntime.KindOf(device), device.Index,
                                                                 send, recv, count, dtype, (void*)stream));
    }

    [MethodImpl(HotPath.Optimized)]
    internal static void DeviceAllReduce(CommHandle comm, Device device, void* send, void* recv, long count, int dtype, ReduceOp op, nint stream)
    {
        using var use = comm.Use();
        NativeStatus.Check(NativeMethods.mlxmpi_allreduce_device(use.Pointer, DeviceRuntime.KindOf(device), device.Index,
                                                                 send, recv, count, dtype, (int)op, (void*)stream));
    }

    [MethodImpl(HotPath.Optimized)]
    internal static void DeviceReduceScatter(CommHandle comm, Device device, void* send, void* recv, long recvCount, int dtype, ReduceOp op, nint stream)
    {
        using var use = comm.Use();
        NativeStatus.Check(NativeMethods.mlxmpi_reduce_scatter_device(use.Pointer, DeviceRuntime.KindOf(device), device.Index,
                                                                      send, recv, recvCount, dtype, (int)op, (void*)stream));
    }

    /// <summary>Combines <paramref name="count"/> elements of <paramref name="input"/> into <paramref name="inout"/> on
    /// this rank alone, exactly as the collective reductions do.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal static void ReduceLocal(void* input, void* inout, long count, int dtype, ReduceOp op) =>
        NativeStatus.Check(NativeMethods.mlxmpi_reduce_local(input, inout, count, dtype, (int)op));
}
