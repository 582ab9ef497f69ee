namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>Split(rank % 2): the subgroups have the sizes and ranks MPI_Comm_split defines, and gathering on
/// one moves only its members' data, in subgroup-rank order, for every dtype.</summary>
internal static class SubgroupParity
{
    [Scenario("subgroup_parity", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        var members = SplitModel.Members(world.Size, world.Rank, color: r => r % 2, key: r => r);
        using var group = world.Split(world.Rank % 2);
        SplitModel.ExpectShape(context, group, members, world.Rank, "Split(rank % 2)");

        foreach (var dtype in Dtypes.All)
        {
            GatherCheck.Run(context, group, $"{dtype} on Split(rank % 2)",
                groupRank => TestData.Random(dtype, [2, 3], context.SeedFor(members[groupRank], (int)dtype)));
        }
    }
}
