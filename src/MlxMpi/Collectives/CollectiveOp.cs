namespace MlxMpi.Collectives;

/// <summary>The calls that travel through the header phase and the flight recorder; the values are part of the wire
/// format (a rank calling another op at the same point is a desync).</summary>
internal enum CollectiveOp : byte
{
    AllGather = 1,
    Split = 2,
    AllGatherInto = 3,
    AllGatherUneven = 4,
    AllSum = 5,
    AllMax = 6,
    AllMin = 7,
    SumScatter = 8,
    Send = 9,
    Recv = 10,
}
