namespace MlxMpi.MpiWorker;

/// <summary>
/// The core check: every member gathers its own input, and the result must equal the concatenation of
/// every member's input in group-rank order. Inputs come from a function of the group rank that every rank
/// can evaluate, so each rank checks the whole result, not just its own block.
/// </summary>
internal static class GatherCheck
{
    public delegate MlxArray Gather(MlxArray x, Group group);

    public static void Run(ScenarioContext context, Group group, string what, Func<int, HostArray> inputOfGroupRank, Gather? gather = null,
                           bool disposeResult = true)
    {
        var mine = inputOfGroupRank(group.Rank);
        using var x = Dtypes.ToMlx(mine);
        var y = (gather ?? DefaultGather)(x, group);
        try
        {
            var expected = HostArray.AllGatherOf([.. Enumerable.Range(0, group.Size).Select(inputOfGroupRank)]);
            context.ExpectValues(expected, y, $"{what} {mine.Describe()} over {group.Size} ranks");
            context.ExpectValues(mine, x, $"{what}: the input after the gather");
        }
        finally
        {
            // A size-1 group hands back x itself; dispose it once. An AllGatherInto output belongs to the caller.
            if (disposeResult && !ReferenceEquals(x, y))
                y.Dispose();
        }
    }

    private static MlxArray DefaultGather(MlxArray x, Group group) => Distributed.AllGather(x, group);
}
