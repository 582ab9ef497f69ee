using System.Runtime.CompilerServices;
namespace MlxMpi;

/// <summary>Keeps an array's memory alive while native code reads or writes it, even if another thread disposes
/// the array meanwhile (a reference on its <see cref="NativeBuffer"/>).</summary>
/// <remarks>Dispose exactly once: it is a struct, so a copy disposed as well would release twice.</remarks>
internal readonly unsafe struct BufferLease : IDisposable
{
    private readonly NativeBuffer _buffer;

    /// <summary>Takes a lease on use <paramref name="generation"/> of <paramref name="buffer"/>.</summary>
    /// <exception cref="ObjectDisposedException">That use has ended: every array using the memory is disposed.</exception>
    [MethodImpl(HotPath.Optimized)]
    public BufferLease(NativeBuffer buffer, int generation)
    {
        if (!buffer.TryAddReference(generation))
            throw new ObjectDisposedException(nameof(MlxArray), "the array's memory has been released");
        _buffer = buffer;
    }

    [MethodImpl(HotPath.Optimized)]
    private BufferLease(NativeBuffer buffer, bool adopted) => _buffer = buffer;

    /// <summary>Takes over a reference the caller already added (<see cref="NativeBuffer.TryAddReference"/>).</summary>
    [MethodImpl(HotPath.Optimized)]
    public static BufferLease Adopt(NativeBuffer buffer) => new(buffer, adopted: true);

    /// <summary>The start of the buffer's memory.</summary>
    public byte* Base
    {
        [MethodImpl(HotPath.Inlined)]
        get => _buffer.Base;
    }

    /// <summary>Ends the lease.</summary>
    [MethodImpl(HotPath.Optimized)]
    public void Dispose() => _buffer?.Release();
}
