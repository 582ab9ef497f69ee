using System.Globalization;
using System.Text.RegularExpressions;
using MlxMpi.Tests.Mpi;
using NUnit.Framework;

namespace MlxMpi.Tests.MultiNode;

/// <summary>
/// A node loses its network in the middle of a loop of gathers: 6 ranks on the 3 namespace nodes gather and check
/// in a loop, then n3's only link goes down. No rank can finish the gather it is in, and no error comes from MPI:
/// the job must still end by itself, non-zero, within <see cref="EndWithin"/> of the link going down, through the
/// collective timeout (MLXMPI_TIMEOUT: the watchdog's MPI_Abort) or Open MPI noticing the lost daemon, whichever is
/// first, and leave no process behind in any of the namespaces, the unreachable node included.
/// </summary>
[Category("Mpi")]
[Category("MultiNode")]
[NonParallelizable]
public sealed partial class LinkFailureTests
{
    private const int Ranks = 6;
    private const int TimeoutSeconds = 3;
    private static readonly TimeSpan EndWithin = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan LoopStartsWithin = TimeSpan.FromSeconds(120);
    // The unreachable node's daemon learns of the end on its own, from its dead connection (seconds, see the
    // tcp_retries2 of netns-cluster.sh); anything left after this is an orphan.
    private static readonly TimeSpan OrphanGrace = TimeSpan.FromSeconds(15);

    [GeneratedRegex(@"\bINFO (\d+) gather_until_link_down: looping after \d+ gathers, failures: (.*)$", RegexOptions.Multiline)]
    private static partial Regex LoopingLine();

    [GeneratedRegex(@"MlxMpi watchdog: (\S+) #(\d+) on rank (\d+) of (\d+) timed out")]
    private static partial Regex WatchdogReport();

    [Test]
    public void A_node_losing_its_link_mid_loop_ends_the_job_without_orphans()
    {
        using var cluster = NetnsCluster.TryCreate(out var whyNot);
        if (cluster is null)
        {
            TestContext.Progress.WriteLine($"MultiNode tests ignored: {whyNot}");
            Assert.Ignore(whyNot ?? "network namespaces are not available");
            return;
        }

        var seed = TestSeed.New();
        var timeout = TimeoutSeconds.ToString(CultureInfo.InvariantCulture);
        string[] arguments = ["-x", "MLXMPI_TIMEOUT", TestSeed.DotnetHost(), MpiLauncher.WorkerDll,
                              "--seed", seed.ToString(CultureInfo.InvariantCulture), "gather_until_link_down"];
        using var job = new ClusterJob(cluster.MpiexecStart(arguments, new Dictionary<string, string> { ["MLXMPI_TIMEOUT"] = timeout }));
        string Describe() => $"command: {job.CommandLine}\nseed: {seed}\nexit: {job.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}, " +
                             $"{job.Elapsed.TotalSeconds:F1} s\nstdout:\n{job.Stdout}\nstderr:\n{Tail(job.Stderr)}";

        var looping = job.WaitForOutput(o => LoopingLine().Matches(o).Count == Ranks, LoopStartsWithin);
        Assert.That(looping, Is.True, () => $"not every rank reached the gather loop\n{Describe()}");
        var failures = LoopingLine().Matches(job.Stdout).Select(m => m.Groups[2].Value.TrimEnd('\r')).Where(f => f != "none").ToList();
        Assert.That(failures, Is.Empty, () => $"gathers before the fault were wrong\n{Describe()}");

        var linkDown = job.Elapsed;
        cluster.SetLink("n3", up: false);
        var ended = job.WaitForExit(EndWithin);
        var afterLinkDown = job.Elapsed - linkDown;

        // Nothing may stay behind, on the unreachable node neither; whatever does is listed, then killed by Dispose.
        var leftovers = cluster.Processes();
        for (var waited = TimeSpan.Zero; leftovers.Count > 0 && waited < OrphanGrace; waited += TimeSpan.FromMilliseconds(250))
        {
            Thread.Sleep(250);
            leftovers = cluster.Processes();
        }

        var watchdogRanks = WatchdogReport().Matches(job.Stderr).Select(m => m.Groups[3].Value).ToList();
        var lostDaemon = job.Stderr.Contains("lost communication with a remote daemon", StringComparison.Ordinal);
        TestContext.Out.WriteLine($"ended: {ended}, {afterLinkDown.TotalSeconds:F1} s after the link went down, exit {job.ExitCode}; " +
                                  $"watchdog reports from ranks [{string.Join(", ", watchdogRanks)}], Open MPI lost-daemon message: {lostDaemon}; " +
                                  $"{leftovers.Count} process(es) left in the namespaces");
        TestContext.Out.WriteLine(Describe());
        Assert.Multiple(() =>
        {
            Assert.That(ended, Is.True, () => $"the job still ran {EndWithin.TotalSeconds:F0} s after n3's link went down (hang)");
            Assert.That(job.ExitCode, Is.Not.Null.And.Not.EqualTo(0), "mpiexec's exit code");
            Assert.That(watchdogRanks.Count > 0 || lostDaemon, Is.True,
                "the job ended through neither the collective timeout (no watchdog report) nor Open MPI's lost-daemon handling");
            Assert.That(leftovers, Is.Empty, $"processes still in the cluster's namespaces {OrphanGrace.TotalSeconds:F0} s after the job ended");
        });
    }

    private static string Tail(string text) => text.Length > 6000 ? "..." + text[^6000..] : text;
}
