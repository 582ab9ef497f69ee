namespace MlxMpi.Collectives;

/// <summary>Group.Split as a call on the skeleton: color and key travel in the header, then MPI_Comm_split.</summary>
internal unsafe struct SplitCall : ICollectiveCall<Group>
{
    private readonly int color, key;
    private readonly Exception? badColor;

    internal SplitCall(int color, int key, Exception? badColor)
    {
        this.color = color;
        this.key = key;
        this.badColor = badColor;
    }

    public readonly CollectiveOp Op => CollectiveOp.Split;

    public readonly CallInput Input => default;

    public readonly Exception? Prepare(Group group, HeaderExchange header, long sequence)
    {
        if (badColor is not null)
            return badColor;
        var payload = (int*)header.WriteCall(Op, sequence, default, [], 2 * sizeof(int));
        payload[0] = color;
        payload[1] = key;
        return null;
    }

    public readonly Group Complete(Group group, HeaderExchange header) =>
        Group.FromBackend(group.Backend.Split(color, key));

    public readonly void Release(bool succeeded) { }
}
