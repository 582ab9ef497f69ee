namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>MLX's test_groups, for 8 ranks: the world and its splits have the sizes and ranks MPI gives.</summary>
internal static class MlxGroups
{
    [Scenario("mlx_groups", Suite.MlxPort)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        context.ExpectEqual(world.Size, 8, "world Size (this suite is written for mpiexec -n 8)");
        context.Expect(world.Rank is >= 0 and < 8, $"world Rank {world.Rank} outside [0, 8)");
        context.ExpectEqual<int?>(world.Rank, MlxMpi.Runtime.LauncherEnvironment.Current().Rank, "world Rank vs the launcher's rank variable");

        var again = Distributed.Init();
        context.ExpectEqual(again.Size, world.Size, "Size of a second Init()");
        context.ExpectEqual(again.Rank, world.Rank, "Rank of a second Init()");

        using (var byParity = world.Split(world.Rank % 2))
        {
            context.ExpectEqual(byParity.Size, 4, "Split(rank % 2).Size");
            context.ExpectEqual(byParity.Rank, world.Rank / 2, "Split(rank % 2).Rank");
        }
        using (var byPair = world.Split(world.Rank / 2))
        {
            context.ExpectEqual(byPair.Size, 2, "Split(rank / 2).Size");
            context.ExpectEqual(byPair.Rank, world.Rank % 2, "Split(rank / 2).Rank");
        }
    }
}
