using System.Buffers;

namespace MlxMpi;

/// <summary>
/// What keeps a caller's memory valid while arrays view it (<see cref="MlxArray.FromPointer"/>,
/// <see cref="MlxArray.FromMemory{T}"/>): a pin of managed memory, the caller's owner object, or nothing (memory
/// the caller guarantees itself). Released exactly once, when the last view and lease are gone.
/// </summary>
internal sealed class ExternalMemoryOwner
{
    private MemoryHandle _pin;
    private readonly IDisposable? _owner;
    private int _released;

    internal ExternalMemoryOwner(MemoryHandle pin, IDisposable? owner)
    {
        _pin = pin;
        _owner = owner;
    }

    /// <summary>Undoes the pin and disposes the caller's owner.</summary>
    internal void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
            return;
        _pin.Dispose();
        _owner?.Dispose();
    }

    /// <summary>From a finalizer: only the pin, which nothing else would ever undo.</summary>
    internal void ReleasePinOnly()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
            return;
        _pin.Dispose();
    }
}
