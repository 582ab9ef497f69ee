namespace MlxMpi;

/// <summary>Keeps an array's memory alive while native code reads or writes it, even if another thread disposes
/// the array meanwhile (SafeHandle's reference count, as P/Invoke takes it for a SafeHandle argument).</summary>
/// <remarks>Dispose exactly once: it is a struct, so a copy disposed as well would release twice.</remarks>
internal readonly unsafe struct BufferLease : IDisposable
{
    private readonly NativeBuffer _buffer;

    /// <summary>Takes a lease on <paramref name="buffer"/>.</summary>
    /// <exception cref="ObjectDisposedException">The buffer has already been freed.</exception>
    public BufferLease(NativeBuffer buffer)
    {
        bool added = false;
        buffer.DangerousAddRef(ref added);
        _buffer = buffer;
    }

    /// <summary>The start of the buffer's memory.</summary>
    public byte* Base => _buffer.Base;

    /// <summary>Ends the lease.</summary>
    public void Dispose() => _buffer?.DangerousRelease();
}
