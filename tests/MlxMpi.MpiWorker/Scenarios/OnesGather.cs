namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>The body shared by the MLX all_gather ports: MlxArray.Ones([2, 2, 4]) gathered over the world and
/// over Split(rank % 2) must be ones of shape [size * 2, 2, 4].</summary>
internal static class OnesGather
{
    private static readonly int[] Shape = [2, 2, 4];

    public static void Run(ScenarioContext context, IEnumerable<Dtype> dtypes)
    {
        var world = context.World;
        using var byParity = world.Split(world.Rank % 2);
        foreach (var dtype in dtypes)
        {
            foreach (var (group, name) in new[] { (world, "world"), (byParity, "Split(rank % 2)") })
            {
                using var x = MlxArray.Ones(Shape, dtype);
                var y = Distributed.AllGather(x, group);
                context.ExpectValues(TestData.Ones(dtype, [group.Size * 2, 2, 4]), y, $"{dtype} ones over {name}");
                if (!ReferenceEquals(x, y))
                    y.Dispose();
            }
        }
    }
}
