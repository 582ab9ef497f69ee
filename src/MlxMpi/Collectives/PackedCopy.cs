namespace MlxMpi.Collectives;

/// <summary>MPI sends contiguous memory: a strided view is first copied into a row-major array of its values.</summary>
internal static unsafe class PackedCopy
{
    internal static MlxArray Of(MlxArray view)
    {
        var packed = MlxArray.Allocate(view.ShapeArray, view.Dtype);
        view.CopyLogicalBytesTo(packed.DataPointer);
        return packed;
    }
}
