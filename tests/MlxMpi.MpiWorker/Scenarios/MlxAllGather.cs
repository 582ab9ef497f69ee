namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>MLX's test_all_gather: ones of shape (2, 2, 4) gather to (size * 2, 2, 4), all ones, on the world
/// and on Split(rank % 2), for the dtypes MLX's test lists.</summary>
internal static class MlxAllGather
{
    private static readonly Dtype[] MlxDtypes =
        [Dtype.Int8, Dtype.UInt8, Dtype.Int32, Dtype.UInt32, Dtype.Float32, Dtype.Float16, Dtype.BFloat16];

    [Scenario("mlx_all_gather", Suite.MlxPort)] public static void Run(ScenarioContext context) => OnesGather.Run(context, MlxDtypes);
}
