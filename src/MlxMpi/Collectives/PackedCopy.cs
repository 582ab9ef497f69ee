namespace MlxMpi.Collectives;

/// <summary>MPI sends contiguous memory: a strided view is first copied into a row-major array of its values.</summary>
internal static unsafe class PackedCopy
{
    /// <summary>Packs <paramref name="view"/>, read through the memory <paramref name="held"/> keeps alive.</summary>
    internal static MlxArray Of(MlxArray view, in CallBuffer held)
    {
        if (view.Device.Type != DeviceType.Cpu)
        {
            // Through the host: ToHost packs the logical values, ToDevice puts them back contiguous.
            using var host = view.ToHost();
            return host.ToDevice(view.Device);
        }
        var packed = MlxArray.Allocate(view.ShapeArray, view.Dtype);
        using var lease = packed.AcquireData();
        view.CopyLogicalBytes(held, packed.DataPointer);
        return packed;
    }
}
