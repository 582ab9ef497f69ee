using System.Globalization;
using System.Text.RegularExpressions;
using MlxMpi.Tests.Mpi;
using NUnit.Framework;

namespace MlxMpi.Tests.MultiNode;

/// <summary>
/// The general gather scenarios across 3 "nodes" (network namespaces joined by veth pairs to a bridge, see
/// scripts/netns-cluster.sh) with 2 ranks each, in one Open MPI launch: the rsh launcher starts the daemons of n2
/// and n3 through scripts/netns-agent.sh, and the ranks talk over TCP only (btl tcp,self, restricted to the
/// cluster's subnet), so every byte between nodes crosses the bridge. Checks each scenario on every rank, that the
/// ranks really ran two per node, and that the data really went over the network.
/// </summary>
[Category("Mpi")]
[Category("MultiNode")]
[NonParallelizable]
public sealed partial class MultiNodeGatherTests
{
    private const int RanksPerNode = 2;
    private const int Nodes = 3;
    private const int Ranks = RanksPerNode * Nodes;
    // large_payload alone moves 2 x 3 MiB from each of the 4 ranks of the other nodes to each rank of a node.
    private const long MinimumBytesPerPortAndDirection = 8L << 20;

    private NetnsCluster? _cluster;
    private WorkerRun? _run;
    private readonly Dictionary<string, long> _nodeInodes = [];
    private readonly (long FromNode, long ToNode)[] _portBytesBefore = new (long, long)[Nodes];
    private readonly (long FromNode, long ToNode)[] _portBytesAfter = new (long, long)[Nodes];

    [GeneratedRegex(@"\bINFO (\d+) node_identity: netns net:\[(\d+)\] pid (\d+)")]
    private static partial Regex IdentityLine();

    public static IEnumerable<string> Scenarios => WorkerScenarios.General;

    [OneTimeSetUp]
    public void Launch()
    {
        _cluster = NetnsCluster.TryCreate(out var whyNot);
        if (_cluster is null)
        {
            TestContext.Progress.WriteLine($"MultiNode tests ignored: {whyNot}");
            Assert.Ignore(whyNot ?? "network namespaces are not available");
        }
        try
        {
            for (var k = 1; k <= Nodes; k++)
            {
                _nodeInodes[$"n{k}"] = _cluster.NamespaceInode($"n{k}");
                _portBytesBefore[k - 1] = _cluster.PortBytes(k);
            }
            var seed = TestSeed.New();
            string[] arguments = [TestSeed.DotnetHost(), MpiLauncher.WorkerDll, "--seed", seed.ToString(CultureInfo.InvariantCulture),
                                  "node_identity", .. WorkerScenarios.General.Except(WorkerScenarios.CollectiveHeavy)];
            using var job = new ClusterJob(_cluster.MpiexecStart(arguments));
            var limit = MpiLauncher.TimeoutFor(Ranks);
            var ended = job.WaitForExit(limit);
            _run = new WorkerRun(job.CommandLine, seed, ended ? job.ExitCode : null, !ended, job.Elapsed, job.Stdout, job.Stderr);
            for (var k = 1; k <= Nodes; k++)
                _portBytesAfter[k - 1] = _cluster.PortBytes(k);
            TestContext.Progress.WriteLine($"multi-node: {Ranks} ranks on {Nodes} namespaces, seed {seed}: " +
                                           $"{(ended ? $"exit {job.ExitCode}" : "timed out")} in {job.Elapsed.TotalSeconds:F1} s");
        }
        catch
        {
            _cluster.Dispose();
            throw;
        }
    }

    // The daemons of n2 and n3 daemonize, so killing mpiexec's process tree (as a timed-out launch does) is not
    // enough: the cluster goes, with anything still running in it, whatever happened.
    [OneTimeTearDown]
    public void TearDown() => _cluster?.Dispose();

    private WorkerRun Run => _run ?? throw new InvalidOperationException("the launch did not happen");

    [Test]
    public void LaunchExitsCleanly()
    {
        TestContext.Out.WriteLine(Run.Describe());
        Run.AssertExitedCleanly();
    }

    [TestCaseSource(nameof(Scenarios))]
    public void Scenario(string name)
    {
        // allocation_budget: 8,800 gathers, ~50 s over TCP with 6 ranks on 2 cores, to count managed allocations,
        // which do not depend on the transport; it runs in every single-node launch.
        if (WorkerScenarios.CollectiveHeavy.Contains(name))
            Assert.Ignore($"{name} makes thousands of collectives (about 50 s here across the namespaces) and measures nothing network-specific; the single-node launches run it");
        Run.AssertScenarioPassed(name, Ranks);
    }

    [Test]
    public void Ranks_ran_two_per_node_in_rank_order()
    {
        Run.AssertScenarioPassed("node_identity", Ranks);
        var seen = IdentityLine().Matches(Run.Stdout).ToDictionary(
            m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            m => long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        var nodeOf = _nodeInodes.ToDictionary(p => p.Value, p => p.Key);
        var placement = Enumerable.Range(0, Ranks).Select(r => seen.TryGetValue(r, out var inode)
            ? nodeOf.GetValueOrDefault(inode, $"net:[{inode}] (no node of the cluster)")
            : "no identity line").ToList();
        // Open MPI fills each host's slots in order: ranks 0,1 on the first host of --host, and so on.
        var expected = Enumerable.Range(0, Ranks).Select(r => $"n{r / RanksPerNode + 1}").ToList();
        Assert.That(placement, Is.EqualTo(expected), () => $"the node of each rank\n{Run.Describe(failuresOnly: true)}");
    }

    [Test]
    public void Every_node_sent_and_received_its_share_over_the_bridge()
    {
        Assert.Multiple(() =>
        {
            for (var k = 1; k <= Nodes; k++)
            {
                var fromNode = _portBytesAfter[k - 1].FromNode - _portBytesBefore[k - 1].FromNode;
                var toNode = _portBytesAfter[k - 1].ToNode - _portBytesBefore[k - 1].ToNode;
                TestContext.Out.WriteLine($"n{k}: {fromNode / 1048576.0:F1} MiB sent, {toNode / 1048576.0:F1} MiB received through its switch port");
                Assert.That(fromNode, Is.GreaterThanOrEqualTo(MinimumBytesPerPortAndDirection), $"bytes n{k} sent over the bridge");
                Assert.That(toNode, Is.GreaterThanOrEqualTo(MinimumBytesPerPortAndDirection), $"bytes n{k} received over the bridge");
            }
        });
    }
}
