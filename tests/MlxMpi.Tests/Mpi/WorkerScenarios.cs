namespace MlxMpi.Tests.Mpi;

/// <summary>
/// The worker's scenario names, grouped by the launch that runs them, as the worker itself lists them
/// (`--list`: each scenario's [Scenario] attribute names its suite). Adding a scenario to the worker is therefore
/// one file; the lists below follow. Read once per test process, at discovery time.
/// </summary>
public static class WorkerScenarios
{
    private static readonly Lazy<IReadOnlyList<(string Name, string Suite, bool Heavy)>> Catalog = new(() =>
    [
        .. from line in MpiLauncher.ListScenarios()
           let parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
           select (parts[0], parts[1], parts.Length > 2 && parts[2] == "heavy"),
    ]);

    private static IReadOnlyList<string> Of(string suite) => [.. Catalog.Value.Where(s => s.Suite == suite).Select(s => s.Name)];

    /// <summary>Run in one launch for each of 2, 3 and 4 ranks.</summary>
    public static IReadOnlyList<string> General => Of("General");

    /// <summary>General scenarios that make thousands of collectives: left out of launches with more ranks than
    /// cores under MPICH, whose busy-polling makes each collective cost a time slice there (MpiLaunchFixture).</summary>
    public static IReadOnlyList<string> CollectiveHeavy => [.. Catalog.Value.Where(s => s.Heavy).Select(s => s.Name)];

    /// <summary>The ports of MLX's distributed tests, run in one 8-rank launch.</summary>
    public static IReadOnlyList<string> MlxPort => Of("MlxPort");

    /// <summary>Run with plain <c>dotnet</c>, outside any launcher.</summary>
    public static IReadOnlyList<string> Standalone => Of("Standalone");

    /// <summary>GPU arrays over the CUDA test double (GpuDoubleTests), on the staging and the direct path.</summary>
    public static IReadOnlyList<string> Gpu => Of("Gpu");

    /// <summary>More than 2^31 elements per rank, at 2 ranks, when the machine has the memory (LargeCountTests).</summary>
    public static IReadOnlyList<string> LargeCount => Of("LargeCount");


    /// <summary>Live jobs watched by mlxmpi-diag (tests/MlxMpi.Tests/Diag), one launch each; they wait on gate files.</summary>
    public static IReadOnlyList<string> Diag => Of("Diag");

    /// <summary>Faults that end the job, one launch each (FaultTests).</summary>
    public static IReadOnlyList<string> Faults => Of("Faults");

    /// <summary>A rank that skips a collective, caught by the collective timeout; one launch each (TimeoutTests).</summary>
    public static IReadOnlyList<string> Timeouts => Of("Timeouts");

    /// <summary>The soak, launched on its own at 4 ranks (SoakTests, scripts/soak.sh).</summary>
    public static IReadOnlyList<string> Soak => Of("Soak");

    /// <summary>Across the network-namespace nodes of scripts/netns-cluster.sh, with General (MultiNodeTests).</summary>
    public static IReadOnlyList<string> MultiNode => Of("MultiNode");

    /// <summary>Standalone, with an environment in which the shim cannot load (see NativeResolutionTests).</summary>
    public static IReadOnlyList<string> ShimUnavailable => Of("ShimUnavailable");

    /// <summary>Jobs that end with collectives still queued, one launch each (ShutdownTests).</summary>
    public static IReadOnlyList<string> Shutdown => Of("Shutdown");

    /// <summary>Launches Init must refuse, one launch each (LaunchRefusalTests, BadSettingTests).</summary>
    public static IReadOnlyList<string> InitRefused => Of("InitRefused");

    /// <summary>A host program that initialised MPI itself before Distributed.Init (HostMpiTests).</summary>
    public static IReadOnlyList<string> HostInitialised => Of("HostInitialised");

    /// <summary>The per-call path compiled optimised from the first call (HotPathTierTests).</summary>
    public static IReadOnlyList<string> JitTiers => Of("JitTiers");

    /// <summary>Every suite's name, for the check that each listed scenario belongs to a launch.</summary>
    public static IReadOnlyList<string> Suites { get; } =
        ["General", "MlxPort", "Standalone", "Gpu", "LargeCount", "Diag", "Faults", "Timeouts", "Soak", "MultiNode", "ShimUnavailable", "Shutdown",
         "InitRefused", "HostInitialised", "JitTiers"];

    public static IReadOnlyList<(string Name, string Suite)> All => [.. Catalog.Value.Select(s => (s.Name, s.Suite))];
}
