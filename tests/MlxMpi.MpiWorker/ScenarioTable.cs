using MlxMpi.MpiWorker.Scenarios;

namespace MlxMpi.MpiWorker;

/// <summary>Every scenario the worker knows, by the name the tests pass on the command line.</summary>
internal static class ScenarioTable
{
    public static IReadOnlyList<Scenario> All { get; } =
    [
        // Ports of MLX's python/tests/mpi_test_distributed.py (meant for 8 ranks).
        new("mlx_groups", MlxGroups.Run),
        new("mlx_all_gather", MlxAllGather.Run),
        new("mlx_all_gather_extra", MlxAllGatherExtra.Run),

        // General scenarios, for any number of ranks from 2 up.
        new("init_twice", InitTwice.Run),
        new("null_group_is_world", NullGroupIsWorld.Run),
        new("all_dtypes", AllDtypes.Run),
        new("subgroup_parity", SubgroupParity.Run),
        new("subgroup_reversed_keys", SubgroupReversedKeys.Run),
        new("scalars", Scalars.Run),
        new("size_one_group", SizeOneGroup.Run),
        new("transposed_views", TransposedViews.Run),
        new("empty_dim0", EmptyDim0.Run),
        new("tiny_payloads", TinyPayloads.Run),
        new("inline_boundary", InlineBoundary.Run),
        new("many_dims", ManyDims.Run),
        new("large_payload", LargePayload.Run),
        new("mismatch_dim0", MismatchDim0.Run),
        new("mismatch_trailing_dim", MismatchTrailingDim.Run),
        new("mismatch_ndim", MismatchNdim.Run),
        new("mismatch_dtype", MismatchDtype.Run),
        new("disposed_input", DisposedInput.Run),
        new("device_and_stream", DeviceAndStream.Run),
        new("gather_loop", GatherLoop.Run),
        new("gather_into", GatherInto.Run),
        new("into_bad_output", IntoBadOutput.Run),
        new("allocation_budget", AllocationBudget.Run),
        new("uneven_random", UnevenRandom.Run),
        new("uneven_mismatch", UnevenMismatch.Run),
        new("async_order", AsyncOrder.Run),
        new("async_cancel", AsyncCancel.Run),
        new("desync_op", DesyncOp.Run),
        new("bad_input_one_rank", BadInputOneRank.Run),
        new("mpi_flavor", MpiFlavorMatch.Run),
        new("from_native_round_trip", FromNativeRoundTrip.Run),

        // Robustness, each launched on its own (FaultTests, TimeoutTests, SoakTests): these end the job or run long.
        new("fault_sigkill", FaultInjection.Sigkill),
        new("fault_unhandled_thread", FaultInjection.UnhandledOnThread),
        new("fault_exit_early", FaultInjection.ExitEarly),
        new("timeout_skip_env", TimeoutSkip.FromEnvironment),
        new("timeout_skip_property", TimeoutSkip.FromProperty),
        new("soak", Soak.Run),

        // GPU arrays; launched with MLXMPI_CUDART_PATH at the CUDA test double (or on a machine with a GPU).
        new("gpu_gather", GpuGather.Run),
        new("gpu_bad_input", GpuBadInput.Run),

        // More than 2^31 elements per rank; launched on its own when the machine has the memory.
        new("large_count", LargeCount.Run),

        // Live jobs that tests/MlxMpi.Tests/Diag watches with mlxmpi-diag; they wait on gate files (see DiagGate).
        new("diag_straggler", DiagStraggler.Run),
        new("diag_counted_gathers", DiagCountedGathers.Run),

        // Across the network-namespace "nodes" of scripts/netns-cluster.sh (tests/MlxMpi.Tests/MultiNode).
        new("node_identity", MultiNode.NodeIdentity),
        new("gather_until_link_down", MultiNode.GatherUntilLinkDown),

        // Run with plain `dotnet MlxMpi.MpiWorker.dll singleton`, no launcher.
        new("singleton", Singleton.Run, NeedsWorld: false),
        // Run standalone with MLXMPI_NATIVE_PATH or the library path set so the shim cannot load.
        new("shim_unavailable", ShimUnavailable.Run, NeedsWorld: false),
    ];

    public static Scenario? Find(string name) => All.FirstOrDefault(s => s.Name == name);
}
