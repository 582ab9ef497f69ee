namespace MlxMpi.MpiWorker;

/// <summary>
/// What MPI_Comm_split must produce, computed independently: the world ranks that share this rank's color,
/// ordered by key and then by world rank. Index i of the list is the member with group rank i.
/// </summary>
internal static class SplitModel
{
    public static IReadOnlyList<int> Members(int worldSize, int worldRank, Func<int, int> color, Func<int, int> key) =>
        [.. Enumerable.Range(0, worldSize)
            .Where(r => color(r) == color(worldRank))
            .OrderBy(key)
            .ThenBy(r => r)];

    /// <summary>Checks Size and Rank of a split group against the model.</summary>
    public static void ExpectShape(ScenarioContext context, Group group, IReadOnlyList<int> members, int worldRank, string what)
    {
        context.ExpectEqual(group.Size, members.Count, $"{what}: Size");
        context.ExpectEqual(group.Rank, IndexOf(members, worldRank), $"{what}: Rank of world rank {worldRank}");
    }

    private static int IndexOf(IReadOnlyList<int> members, int worldRank)
    {
        for (var i = 0; i < members.Count; i++)
        {
            if (members[i] == worldRank)
                return i;
        }
        return -1;
    }
}
