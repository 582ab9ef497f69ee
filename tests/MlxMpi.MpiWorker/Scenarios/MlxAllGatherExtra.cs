namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>MLX's all_gather test for the dtypes its list leaves out: 2-byte integers and complex64.</summary>
internal static class MlxAllGatherExtra
{
    [Scenario("mlx_all_gather_extra", Suite.MlxPort)] public static void Run(ScenarioContext context) =>
        OnesGather.Run(context, [Dtype.Int16, Dtype.UInt16, Dtype.Complex64]);
}
