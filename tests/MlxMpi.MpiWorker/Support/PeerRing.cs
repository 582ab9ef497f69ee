namespace MlxMpi.MpiWorker;

/// <summary>
/// Every rank sends to the next and receives from the previous around the group. Even ranks send first and odd
/// ranks receive first, so sends that wait for their receiver (larger than the inline room) cannot all block at
/// once: with an odd size the last (even) rank's send to rank 0 waits until rank 0 is done sending.
/// </summary>
internal static class PeerRing
{
    public static int Next(Group group) => (group.Rank + 1) % group.Size;

    public static int Previous(Group group) => (group.Rank + group.Size - 1) % group.Size;

    public static void Exchange(Group group, Action send, Action receive)
    {
        if (group.Rank % 2 == 0)
        {
            send();
            receive();
        }
        else
        {
            receive();
            send();
        }
    }

    /// <summary>Sends <paramref name="x"/> to the next rank and returns what the previous one sent, received like x.</summary>
    public static MlxArray SendOnward(Group group, MlxArray x)
    {
        MlxArray? received = null;
        Exchange(group, () => Distributed.Send(x, Next(group), group), () => received = Distributed.RecvLike(x, Previous(group), group));
        return received!;
    }
}
