using System.Globalization;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace MlxMpi.Tests.Mpi;

/// <summary>
/// The collective timeout: the last rank skips AllGather #4 of a group (see TimeoutSkip), so the other ranks hang
/// in it until their watchdog fires. The job must end non-zero within the timeout + 10 s of the skip, the report
/// on stderr must name the op and its sequence number (and the rank, pid, host, shape, dtype and the collectives
/// completed before), no watchdog may fire for the earlier gather that was 2 s late, and no rank may be left
/// behind. Once through MLXMPI_TIMEOUT in the launch environment (3 ranks), once through
/// Distributed.CollectiveTimeout set by the scenario (2 ranks).
/// </summary>
[Category("Mpi")]
[Category("Timeout")]
public sealed partial class TimeoutTests
{
    private const int TimeoutSeconds = 5;
    private static readonly TimeSpan EndWithin = TimeSpan.FromSeconds(TimeoutSeconds + 10);
    private static readonly TimeSpan LaunchTimeout = TimeSpan.FromSeconds(60);

    [GeneratedRegex(@"MlxMpi watchdog: (\S+) #(\d+) on rank (\d+) of (\d+) timed out after ([\d.]+) s")]
    private static partial Regex ReportHeader();

    [Test]
    public void MLXMPI_TIMEOUT_ends_a_job_whose_rank_skipped_a_gather() =>
        AssertWatchdogEndedTheJob(3, "timeout_skip_env",
            new Dictionary<string, string> { ["MLXMPI_TIMEOUT"] = TimeoutSeconds.ToString(CultureInfo.InvariantCulture) });

    [Test]
    public void CollectiveTimeout_ends_a_job_whose_rank_skipped_a_gather() =>
        AssertWatchdogEndedTheJob(2, "timeout_skip_property", environment: null);

    [Test]
    public void CollectiveTimeout_ends_a_job_whose_rank_skipped_an_AllSum() =>
        AssertWatchdogEndedTheJob(2, "timeout_skip_allsum", environment: null, op: "AllSum");

    private static void AssertWatchdogEndedTheJob(int ranks, string scenario, IReadOnlyDictionary<string, string>? environment, string op = "AllGather")
    {
        var end = JobEnd.Launch(ranks, scenario, LaunchTimeout, environment);
        var run = end.Run;
        // A FAIL line means the scenario stopped before the skip (say, CollectiveTimeout missing): show why first.
        var failures = run.Results.Where(r => !r.Passed).Select(r => r.Line).ToList();
        Assert.That(failures, Is.Empty, () => $"the scenario failed before the skipped gather\n{run.Describe()}");
        for (var rank = 0; rank < ranks; rank++)
        {
            Assert.That(run.Stdout, Does.Contain($"INFO {rank} {scenario}: 3 gathers verified (limit {TimeoutSeconds} s), failures: none"),
                $"rank {rank}'s gathers before the skipped one\n{run.Describe()}");
        }
        end.AssertEndedAfterFault(EndWithin, faultyRank: ranks - 1);

        var reports = ReportHeader().Matches(run.Stderr);
        Assert.That(reports, Is.Not.Empty, () => $"no \"MlxMpi watchdog: <Op> #<seq> on rank <r> of <n> timed out after <s> s\" line on stderr\n{run.Describe()}");
        foreach (Match report in reports)
        {
            var rank = int.Parse(report.Groups[3].Value, CultureInfo.InvariantCulture);
            var seconds = double.Parse(report.Groups[5].Value, CultureInfo.InvariantCulture);
            Assert.Multiple(() =>
            {
                // Only the skipped gather: the one that was 2 s late stayed under the limit.
                Assert.That(report.Groups[1].Value, Is.EqualTo(op), report.Value);
                Assert.That(report.Groups[2].Value, Is.EqualTo("4"), report.Value);
                Assert.That(report.Groups[4].Value, Is.EqualTo(ranks.ToString(CultureInfo.InvariantCulture)), report.Value);
                Assert.That(rank, Is.InRange(0, ranks - 2), $"a report from the rank that skipped the gather, or no such rank: {report.Value}");
                Assert.That(seconds, Is.InRange(TimeoutSeconds, TimeoutSeconds + 10.0), report.Value);
            });
        }

        // The report of the first rank that fired, from its header line on: where it is and what it did before.
        var first = reports[0];
        var firstRank = int.Parse(first.Groups[3].Value, CultureInfo.InvariantCulture);
        var text = run.Stderr[first.Index..];
        Assert.That(end.Processes.TryGetValue(firstRank, out var process), Is.True, $"rank {firstRank} printed no pid line");
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Match($@"\bpid\D{{0,3}}{process.Pid}\b"), "the report names the rank's pid");
            Assert.That(text, Does.Contain(process.Host), "the report names the host");
            Assert.That(text, Does.Match(@"\[3, ?5\]|\(3, ?5\)|3x5"), "the report names the stuck gather's shape [3, 5]");
            Assert.That(text, Does.Contain("float32").IgnoreCase, "the report names the stuck gather's dtype");
            Assert.That(text, Does.Contain("#3"), "the report lists the last collective completed before (#3)");
        });
    }
}
