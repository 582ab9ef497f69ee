namespace MlxMpi.Collectives;

/// <summary>
/// A call that only announces a failure its caller found before it had arrays to pass (the span, tensor and TorchSharp
/// overloads: an element type with no dtype, a CUDA tensor): the skeleton reports it in the header phase as it does any
/// op's local failure, so this rank throws it and every other rank throws CollectiveMismatchException naming it.
/// </summary>
internal readonly struct LocalFailureCall(CollectiveOp op, Exception failure) : ICollectiveCall<MlxArray>
{
    public CollectiveOp Op => op;

    public CallInput Input => default;

    public Exception? Prepare(Group group, HeaderExchange header, long sequence) => failure;

    public MlxArray Complete(Group group, HeaderExchange header) =>
        throw new InvalidOperationException("a failed call has no data phase");

    public void Release(bool succeeded)
    {
    }
}
