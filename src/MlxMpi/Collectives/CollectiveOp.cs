namespace MlxMpi.Collectives;

/// <summary>The collectives that travel through the header phase; the values are part of the wire format.</summary>
internal enum CollectiveOp : byte
{
    AllGather = 1,
    Split = 2,
    AllGatherInto = 3,
    AllGatherUneven = 4,
}
