using MlxMpi.Tests.Mpi;

namespace MlxMpi.Tests.Launchers;

/// <summary>
/// A Slurm cluster of this test run, brought up by scripts/slurm-cluster.sh (munged, slurmctld -D, slurmd -D, state
/// in a temporary directory) and taken down by <see cref="Dispose"/>, which the fixtures call in their
/// OneTimeTearDown, so no daemon outlives the tests, whether they passed or not.
/// </summary>
internal sealed class SlurmCluster : IDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(120);

    private SlurmCluster(string directory, int nodes)
    {
        Directory = directory;
        Nodes = nodes;
    }

    public string Directory { get; }

    public int Nodes { get; }

    private static string Script => Path.Combine(RepositoryLayout.PathOf("scripts"), "slurm-cluster.sh");

    /// <summary>Starts a cluster of 1 node (this host) or 3 (the network-namespace nodes n1..n3); ignores or fails
    /// the fixture (<see cref="Launch.Skip"/>) when Slurm, munge or root are missing.</summary>
    public static SlurmCluster Start(int nodes)
    {
        Launch.RequireRoot("slurmd and munged run as root here");
        Launch.Require("slurmctld", "slurm-wlm");
        Launch.Require("slurmd", "slurm-wlm");
        Launch.Require("munged", "munge");
        // Not under /tmp: the 3-node form gives each node a /tmp of its own, which would hide the cluster's files.
        var directory = Path.Combine("/var/tmp", $"mlxmpi-slurm-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        var cluster = new SlurmCluster(directory, nodes);
        var up = Launch.Command("bash", [Script, "up", directory, $"{nodes}"], StartLimit);
        if (up.ExitCode != 0)
        {
            cluster.Dispose();
            Assert.Fail($"the Slurm cluster did not come up\n{up.Describe()}");
        }
        return cluster;
    }

    /// <summary>Runs a client command (srun, sbatch) against this cluster.</summary>
    public WorkerRun Run(IEnumerable<string> command, TimeSpan timeout, ulong seed = 0, IReadOnlyDictionary<string, string>? environment = null) =>
        Launch.Command("bash", [Script, "exec", Directory, .. command], timeout, environment, seed);

    public void Dispose()
    {
        var down = Launch.Command("bash", [Script, "down", Directory], TimeSpan.FromSeconds(60));
        if (down.ExitCode != 0)
            TestContext.Out.WriteLine($"slurm-cluster.sh down failed\n{down.Describe()}");
    }
}
