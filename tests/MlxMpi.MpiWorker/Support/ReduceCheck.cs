namespace MlxMpi.MpiWorker;

/// <summary>
/// The reductions' core check: every member reduces its own input, and the result must equal the reference
/// reduction of every member's input (regenerated from the seed), bit for bit; the input must be unchanged.
/// </summary>
internal static class ReduceCheck
{
    public delegate MlxArray Reduce(MlxArray x, Group group);

    public static MlxArray Call(ReductionReference.Op op, MlxArray x, Group group) => op switch
    {
        ReductionReference.Op.Sum => Distributed.AllSum(x, group),
        ReductionReference.Op.Max => Distributed.AllMax(x, group),
        _ => Distributed.AllMin(x, group),
    };

    public static void Run(ScenarioContext context, Group group, string what, ReductionReference.Op op, Func<int, HostArray> inputOfGroupRank,
                           Reduce? reduce = null, Func<HostArray, HostArray>? view = null, bool disposeResult = true)
    {
        var mine = inputOfGroupRank(group.Rank);
        using var stored = Dtypes.ToMlx(mine);
        // A strided view reduces by its logical values: the reference sees the same view.
        using var x = view is null ? null : Transposed(stored);
        var input = x ?? stored;
        var y = (reduce ?? ((a, g) => Call(op, a, g)))(input, group);
        try
        {
            var inputs = Enumerable.Range(0, group.Size).Select(inputOfGroupRank).Select(h => view?.Invoke(h) ?? h).ToList();
            var expected = ReductionReference.Of(op, inputs);
            context.ExpectValues(expected, y, $"{what}: {op} of {mine.Describe()} over {group.Size} ranks");
            context.ExpectValues(mine, stored, $"{what}: the input after the {op}");
        }
        finally
        {
            // A size-1 group hands back x itself; an ...Into output belongs to the caller.
            if (disposeResult && !ReferenceEquals(input, y))
                y.Dispose();
        }
    }

    private static MlxArray Transposed(MlxArray a) => a.Transpose();
}
