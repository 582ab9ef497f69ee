namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>A null group (or none) means the world: the result spans every world rank in world order.</summary>
internal static class NullGroupIsWorld
{
    [Scenario("null_group_is_world", Suite.General)] public static void Run(ScenarioContext context)
    {
        HostArray Input(int rank) => TestData.Random(Dtype.Int32, [2, 3], context.SeedFor(rank));
        GatherCheck.Run(context, context.World, "AllGather(x)", Input, (x, _) => Distributed.AllGather(x));
        GatherCheck.Run(context, context.World, "AllGather(x, null)", Input, (x, _) => Distributed.AllGather(x, null));
        GatherCheck.Run(context, context.World, "AllGather(x, null, Device.Cpu)", Input, (x, _) => Distributed.AllGather(x, null, Device.Cpu));
    }
}
