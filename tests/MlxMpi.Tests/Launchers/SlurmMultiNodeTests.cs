using MlxMpi.Tests.Mpi;

namespace MlxMpi.Tests.Launchers;

/// <summary>
/// Slurm across 3 "nodes": one slurmd per network namespace of scripts/netns-cluster.sh (n1..n3, 10.231.0.0/24),
/// each with its own hostname and its own /tmp (as Slurm's pmix plugin needs), slurmctld in n1. srun places one rank
/// on each node (checked from the ranks' hostnames) and the ranks gather over TCP between the namespaces, under Open
/// MPI (srun --mpi=pmix) and MPICH (srun --mpi=pmi2).
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
    public void Srun_mpi_pmix_places_one_rank_per_node_and_Open_MPI_gathers_across_the_network() =>
        PlacedAndGathered("pmix", "PMIX_RANK", "libmlxmpi.so library Open MPI");

    [Test]
    public void Srun_mpi_pmi2_places_one_rank_per_node_and_MPICH_gathers_across_the_network() =>
        PlacedAndGathered("pmi2", "PMI_RANK", "libmlxmpi.mpich.so library MPICH");

    private void PlacedAndGathered(string plugin, string rankVariable, string shim)
    {
        string[] srun = ["srun", $"--mpi={plugin}", "-N", $"{Nodes}", "-n", $"{Nodes}"];
        var placement = cluster!.Run([.. srun, "/bin/sh", "-c", $"echo PLACED ${rankVariable} $(hostname)"], TimeSpan.FromSeconds(60));
        Assert.That(placement.ExitCode, Is.EqualTo(0), () => placement.Describe());
        var hosts = placement.Stdout.Split('\n').Where(l => l.StartsWith("PLACED ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[2].Trim()).Order().ToList();
        Assert.That(hosts, Is.EqualTo(new[] { "n1", "n2", "n3" }), () => $"ranks were not one per node\n{placement.Describe()}");

        string[] scenarios = ["mpi_flavor", "init_twice", "all_dtypes", "large_payload", "subgroup_parity", "mismatch_dtype", "from_native_round_trip"];
        var seed = Launch.NewSeed();
        var run = cluster.Run([.. srun, Launch.Dotnet, MpiLauncher.WorkerDll, "--seed", Launch.Seed(seed), .. scenarios],
            MpiLauncher.TimeoutFor(Nodes) * 2, seed, SlurmTests.Environment);
        foreach (var scenario in scenarios)
            run.AssertScenarioPassed(scenario, Nodes);
        run.AssertExitedCleanly();
        SlurmTests.AssertShims(run, Nodes, shim);
    }
}
