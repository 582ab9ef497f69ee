using MlxMpi.Tests.Mpi;

namespace MlxMpi.Tests.Launchers;

/// <summary>
/// Slurm across 3 "nodes": one slurmd per network namespace of scripts/netns-cluster.sh (n1..n3, 10.231.0.0/24,
/// each with its own hostname), slurmctld in n1. srun places one rank on each node and MPICH's ranks gather over
/// TCP between the namespaces. Open MPI's srun --mpi=pmix is not run here: the nodes share this machine's /tmp, and
/// Slurm's pmix plugin creates the same /tmp/spmix_appdir_&lt;uid&gt;_&lt;job&gt;.&lt;step&gt; on every node, so the
/// second and third node fail the launch with "File exists".
/// </summary>
[Category("Mpi")]
[Category("Slurm")]
[Category("MultiNode")]
[NonParallelizable]
public sealed class SlurmMultiNodeTests
{
    private const int Nodes = 3;
    private SlurmCluster? cluster;

    [OneTimeSetUp]
    public void StartCluster()
    {
        Launch.Require("ip", "iproute2");
        Launch.Require("nsenter", "util-linux");
        cluster = SlurmCluster.Start(nodes: Nodes);
    }

    [OneTimeTearDown]
    public void StopCluster() => cluster?.Dispose();

    [Test]
    public void Srun_mpi_pmi2_places_one_rank_per_node_and_they_gather_across_the_network()
    {
        var placement = cluster!.Run(["srun", "--mpi=pmi2", "-N", $"{Nodes}", "-n", $"{Nodes}", "/bin/sh", "-c", "echo PLACED $PMI_RANK $(hostname)"],
            TimeSpan.FromSeconds(60));
        Assert.That(placement.ExitCode, Is.EqualTo(0), () => placement.Describe());
        var hosts = placement.Stdout.Split('\n').Where(l => l.StartsWith("PLACED ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[2].Trim()).Order().ToList();
        Assert.That(hosts, Is.EqualTo(new[] { "n1", "n2", "n3" }), () => $"ranks were not one per node\n{placement.Describe()}");

        string[] scenarios = ["mpi_flavor", "init_twice", "all_dtypes", "large_payload", "subgroup_parity", "mismatch_dtype", "from_native_round_trip"];
        var seed = Launch.NewSeed();
        var run = cluster.Run(["srun", "--mpi=pmi2", "-N", $"{Nodes}", "-n", $"{Nodes}", Launch.Dotnet, MpiLauncher.WorkerDll, "--seed", Launch.Seed(seed), .. scenarios],
            MpiLauncher.TimeoutFor(Nodes) * 2, seed, new Dictionary<string, string> { ["UCX_HANDLE_ERRORS"] = "none" });
        foreach (var scenario in scenarios)
            run.AssertScenarioPassed(scenario, Nodes);
        run.AssertExitedCleanly();
        SlurmTests.AssertShims(run, Nodes, "libmlxmpi.mpich.so library MPICH");
    }
}
