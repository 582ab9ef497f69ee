using System.Text.RegularExpressions;
using MlxMpi.Tests.Mpi;

namespace MlxMpi.Tests.Launchers;

/// <summary>
/// scripts/container-ci.sh all: the Debian 12 image built offline (debootstrap + podman import, reused when present),
/// the MPI test subset inside one container with the host's SDK mounted, then a 4-rank Open MPI job across two
/// containers on a podman network, two ranks in each. One run of the script (about a minute here with the image
/// present, two more to build it).
/// </summary>
[Category("Mpi")]
[Category("Container")]
[NonParallelizable]
public sealed partial class ContainerTests
{
    [GeneratedRegex(@"Total tests: (\d+)\s+Passed: (\d+)")]
    private static partial Regex Totals();

    [Test]
    public void The_MPI_tests_pass_in_one_container_and_a_job_spans_two()
    {
        Launch.RequireRoot("podman runs rootful here (host network namespaces, mounts of the SDK)");
        Launch.Require("podman", "podman");
        Launch.Require("runc", "runc");
        Launch.Require("debootstrap", "debootstrap");
        var run = Launch.Command("bash", [Path.Combine(RepositoryLayout.PathOf("scripts"), "container-ci.sh"), "all"], TimeSpan.FromSeconds(900));
        Assert.That(run.TimedOut, Is.False, () => $"container-ci.sh hung\n{run.Describe()}");
        Assert.That(run.ExitCode, Is.EqualTo(0), () => $"container-ci.sh failed\n{run.Describe()}");

        var totals = Totals().Match(run.Stdout);
        Assert.That(totals.Success, Is.True, () => $"no test summary from the container\n{run.Describe()}");
        Assert.That(int.Parse(totals.Groups[1].Value), Is.GreaterThan(50).And.EqualTo(int.Parse(totals.Groups[2].Value)),
            "every test of the subset ran and passed inside the container");

        var placed = run.Stdout.Split("PAIR JOB\n", 2)[0].Split('\n').Where(l => l.StartsWith("PLACED ", StringComparison.Ordinal)).Select(l => l[7..].Trim()).ToList();
        Assert.That(placed, Has.Count.EqualTo(4));
        Assert.That(placed.GroupBy(h => h).Select(g => (g.Key[^2..], g.Count())).Order(), Is.EqualTo(new[] { ("-a", 2), ("-b", 2) }),
            "two ranks in each container");
        var pair = new WorkerRun("the two-container job", 0, 0, false, TimeSpan.Zero, run.Stdout.Split("PAIR JOB\n", 2)[^1], "");
        foreach (var scenario in (string[])["mpi_flavor", "all_dtypes", "large_payload", "subgroup_parity", "mismatch_dtype"])
            pair.AssertScenarioPassed(scenario, 4);
    }
}
