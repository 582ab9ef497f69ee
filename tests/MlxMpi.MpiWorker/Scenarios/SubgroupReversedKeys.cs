namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>Split(rank % 2, key: size - rank) reverses each subgroup's order: the gathered blocks must follow
/// the subgroup ranks (largest world rank first), not the world ranks.</summary>
internal static class SubgroupReversedKeys
{
    [Scenario("subgroup_reversed_keys", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        int Key(int rank) => world.Size - rank;
        var members = SplitModel.Members(world.Size, world.Rank, color: r => r % 2, key: Key);
        using var group = world.Split(world.Rank % 2, Key(world.Rank));
        SplitModel.ExpectShape(context, group, members, world.Rank, "Split(rank % 2, size - rank)");

        foreach (var dtype in Dtypes.All)
        {
            GatherCheck.Run(context, group, $"{dtype} on reversed Split",
                groupRank => TestData.Random(dtype, [3, 2], context.SeedFor(members[groupRank], (int)dtype)));
        }
    }
}
