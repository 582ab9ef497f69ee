using System.Diagnostics;
using NUnit.Framework;

namespace MlxMpi.Tests.MultiNode;

/// <summary>The cluster of scripts/netns-cluster.sh is gone after a test, whatever the test did: a test that fails
/// while a process still runs in a node leaves neither the process nor a namespace behind, and a cluster left by a
/// run that died (its owner pid gone) is removed by the next run.</summary>
[Category("Mpi")]
[Category("MultiNode")]
[NonParallelizable]
public sealed class NetnsClusterTests
{
    [Test]
    public void A_failing_test_leaves_no_namespace_and_no_process()
    {
        string name;
        Process? sleeper = null;
        try
        {
            using var cluster = NetnsCluster.TryCreate(out var whyNot);
            if (cluster is null)
            {
                Assert.Ignore(whyNot ?? "network namespaces are not available");
                return;
            }
            name = cluster.Name;
            Assert.That(Namespaces(name), Has.Count.EqualTo(4), "sw, n1, n2, n3 while the cluster is up");
            sleeper = Process.Start("ip", ["netns", "exec", $"{name}-n2", "sleep", "300"]);
            var deadline = Stopwatch.StartNew();
            while (cluster.Processes().Count == 0 && deadline.Elapsed < TimeSpan.FromSeconds(10))
                Thread.Sleep(50);
            Assert.That(cluster.Processes(), Has.Count.EqualTo(1), "the process started in n2");
            throw new InvalidOperationException("a deliberate failure in the middle of a test");
        }
        catch (InvalidOperationException e) when (e.Message.StartsWith("a deliberate failure", StringComparison.Ordinal))
        {
            name = $"mlxmpi-mn-{Environment.ProcessId}";
        }
        Assert.That(Namespaces(name), Is.Empty, "namespaces of the cluster after its test failed");
        Assert.That(sleeper!.WaitForExit(TimeSpan.FromSeconds(10)), Is.True, "the process that ran in n2 was killed");
        sleeper.Dispose();
    }

    [Test]
    public void A_cluster_whose_owner_is_gone_is_removed_by_the_next_run()
    {
        // A pid above the kernel's pid_max (4194304 at most) can belong to no process.
        const string stale = "mlxmpi-mn-9999999";
        var up = NetnsCluster.Tool("bash", [NetnsCluster.Script, "up", stale]);
        if (up.ExitCode != 0)
        {
            NetnsCluster.Tool("bash", [NetnsCluster.Script, "down", stale]);
            Assert.Ignore($"cannot create network namespaces here: {up.Stderr.Trim()}");
        }
        Assert.That(Namespaces(stale), Has.Count.EqualTo(4));
        using var cluster = NetnsCluster.TryCreate(out _); // every run starts with clean-stale
        Assert.That(Namespaces(stale), Is.Empty, "the stale cluster's namespaces after the next run started");
    }

    private static List<string> Namespaces(string cluster) =>
        [.. NetnsCluster.Tool("ip", ["netns", "list"]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')[0]).Where(ns => ns.StartsWith(cluster + "-", StringComparison.Ordinal))];
}
