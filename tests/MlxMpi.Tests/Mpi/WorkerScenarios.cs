namespace MlxMpi.Tests.Mpi;

/// <summary>
/// The worker's scenario names, grouped by the launch that runs them. Kept here (not read from the worker)
/// because NUnit needs the test cases at discovery time; WorkerScenarioListTests keeps the two in sync.
/// </summary>
public static class WorkerScenarios
{
    /// <summary>Run in one launch for each of 2, 3 and 4 ranks.</summary>
    public static IReadOnlyList<string> General { get; } =
    [
        "init_twice",
        "null_group_is_world",
        "all_dtypes",
        "subgroup_parity",
        "subgroup_reversed_keys",
        "scalars",
        "size_one_group",
        "transposed_views",
        "empty_dim0",
        "tiny_payloads",
        "inline_boundary",
        "many_dims",
        "large_payload",
        "mismatch_dim0",
        "mismatch_trailing_dim",
        "mismatch_ndim",
        "mismatch_dtype",
        "disposed_input",
        "device_and_stream",
        "gather_loop",
        "gather_into",
        "into_bad_output",
        "allocation_budget",
        "uneven_random",
        "uneven_mismatch",
        "async_order",
        "async_cancel",
        "desync_op",
        "bad_input_one_rank",
        "mpi_flavor",
        "from_native_round_trip",
    ];

    /// <summary>General scenarios that make thousands of collectives: left out of launches with more ranks than
    /// cores under MPICH, whose busy-polling makes each collective cost a time slice there (MpiLaunchFixture).</summary>
    public static IReadOnlyList<string> CollectiveHeavy { get; } = ["allocation_budget"];

    /// <summary>The port of MLX's mpi_test_distributed.py, run in one 8-rank launch.</summary>
    public static IReadOnlyList<string> MlxPort { get; } = ["mlx_groups", "mlx_all_gather", "mlx_all_gather_extra"];

    /// <summary>Run with plain <c>dotnet</c>, outside any launcher.</summary>
    public static IReadOnlyList<string> Standalone { get; } = ["singleton"];

    /// <summary>GPU arrays over the CUDA test double (GpuDoubleTests), on the staging and the direct path.</summary>
    public static IReadOnlyList<string> Gpu { get; } = ["gpu_gather", "gpu_bad_input"];

    /// <summary>More than 2^31 elements per rank, at 2 ranks, when the machine has the memory (LargeCountTests).</summary>
    public static IReadOnlyList<string> LargeCount { get; } = ["large_count"];

    /// <summary>Live jobs watched by mlxmpi-diag (tests/MlxMpi.Tests/Diag), one launch each; they wait on gate files.</summary>
    public static IReadOnlyList<string> Diag { get; } = ["diag_straggler", "diag_counted_gathers"];

    /// <summary>Faults that end the job, one launch each (FaultTests).</summary>
    public static IReadOnlyList<string> Faults { get; } = ["fault_sigkill", "fault_unhandled_thread", "fault_exit_early"];

    /// <summary>A rank that skips a gather, caught by the collective timeout; one launch each (TimeoutTests).</summary>
    public static IReadOnlyList<string> Timeouts { get; } = ["timeout_skip_env", "timeout_skip_property"];

    /// <summary>The soak, launched on its own at 4 ranks (SoakTests, scripts/soak.sh).</summary>
    public static IReadOnlyList<string> Soak { get; } = ["soak"];

    /// <summary>Across the network-namespace nodes of scripts/netns-cluster.sh, with General (MultiNodeTests).</summary>
    public static IReadOnlyList<string> MultiNode { get; } = ["node_identity", "gather_until_link_down"];

    /// <summary>Standalone, with an environment in which the shim cannot load (see NativeResolutionTests).</summary>
    public static IReadOnlyList<string> ShimUnavailable { get; } = ["shim_unavailable"];
}
