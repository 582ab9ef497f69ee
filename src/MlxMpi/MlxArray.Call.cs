using System.Runtime.CompilerServices;
using MlxMpi.Collectives;

namespace MlxMpi;

public sealed unsafe partial class MlxArray
{
    // ---- What a collective call needs of an array it holds (Collectives/CallBuffer). These never throw for a
    // disposed array: the call decides, before the header phase, whether it can go on. ----

    /// <summary>Shape, dtype and bytes, for the flight recorder (the shape array is immutable, so no copy).</summary>
    [MethodImpl(HotPath.Optimized)]
    internal CallInput DescribeForCall() => new(_shape, _dtype, _size * ElementSize);

    /// <summary>Elements, dtype and device, read without the disposal check (a call captures them under its lease).</summary>
    [MethodImpl(HotPath.Inlined)]
    internal (long Size, Dtype Dtype, Device Device) FactsForCall() => (_size, _dtype, _buffer.Device);

    /// <summary>Leases the memory and returns the address of the first logical element; false when the array or its
    /// memory is already released.</summary>
    [MethodImpl(HotPath.Optimized)]
    internal bool TryAcquireData(out BufferLease lease, out byte* firstElement)
    {
        lease = default;
        firstElement = null;
        if (IsDisposed || !_buffer.TryAddReference(_generation))
            return false;
        lease = BufferLease.Adopt(_buffer);
        firstElement = _buffer.Base + _offset * ElementSize;
        return true;
    }

    /// <summary>Writes the host array's logical elements in row-major order from memory held by
    /// <paramref name="held"/> (its <see cref="CallBuffer.Pointer"/> is the first logical element).</summary>
    [MethodImpl(HotPath.Optimized)]
    internal void CopyLogicalBytes(in CallBuffer held, byte* destination)
    {
        var elementSize = ElementSize;
        if (_strides is null)
            Buffer.MemoryCopy(held.Pointer, destination, _size * elementSize, _size * elementSize);
        else
            StridedCopy.Copy(held.Pointer, _shape, _strides, elementSize, 0, _size, destination);
    }

    /// <summary>Writes this array's logical values into <paramref name="destination"/>, a contiguous array of the same
    /// size and dtype on any device (a group of one's ...Into).</summary>
    [MethodImpl(HotPath.Optimized)]
    internal void CopyValuesTo(MlxArray destination)
    {
        using var lease = destination.AcquireData();
        if (destination.Device.Type == DeviceType.Cpu)
        {
            CopyLogicalBytesTo(destination.DataPointer);
            return;
        }
        using var host = ToHost();
        using var hostLease = host.AcquireData();
        Interop.DeviceRuntime.CopyToDevice(destination.Device, destination.DataPointer, host.DataPointer, host.NBytes);
    }
}
