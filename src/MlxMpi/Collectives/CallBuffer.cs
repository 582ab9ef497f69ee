using System.Runtime.CompilerServices;
namespace MlxMpi.Collectives;

/// <summary>
/// A caller's array held for the length of one call: a lease on its memory (so a Dispose on another thread cannot
/// free it under MPI) and the address of its first logical element, taken once, before the header phase.
/// </summary>
internal readonly unsafe struct CallBuffer : IDisposable
{
    private readonly BufferLease lease;
    private readonly bool held;

    [MethodImpl(HotPath.Optimized)]
    private CallBuffer(BufferLease lease, byte* pointer)
    {
        this.lease = lease;
        held = true;
        Pointer = pointer;
    }

    internal byte* Pointer { [MethodImpl(HotPath.Inlined)] get; }

    /// <summary>Leases <paramref name="array"/>; returns the failure (named <paramref name="what"/>) instead of throwing.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal static Exception? TryHold(MlxArray array, string what, out CallBuffer buffer)
    {
        buffer = default;
        if (!array.TryAcquireData(out var lease, out var pointer))
            return new ObjectDisposedException(null, $"the {what} array is disposed");
        buffer = new CallBuffer(lease, pointer);
        return null;
    }

    [MethodImpl(HotPath.Optimized)]
    public void Dispose()
    {
        if (held)
            lease.Dispose();
    }
}
