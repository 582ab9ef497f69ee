namespace MlxMpi.Collectives;

/// <summary>MPI sends contiguous memory: a strided view is first copied into a row-major array of its values.</summary>
internal static unsafe class PackedCopy
{
    internal static MlxArray Of(MlxArray view)
    {
        if (view.Device.Type != DeviceType.Cpu)
        {
            // Through the host: ToHost packs the logical values, ToDevice puts them back contiguous.
            using var host = view.ToHost();
            return host.ToDevice(view.Device);
        }
        var packed = MlxArray.Allocate(view.ShapeArray, view.Dtype);
        view.CopyLogicalBytesTo(packed.DataPointer);
        return packed;
    }
}
