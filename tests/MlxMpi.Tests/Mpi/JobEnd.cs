using System.Globalization;
using System.Text.RegularExpressions;

namespace MlxMpi.Tests.Mpi;

/// <summary>
/// A launch that is meant to end abnormally (a rank killed, a collective timeout), and the moment the fault was
/// injected: the worker prints <c>INFO r scenario: fault at &lt;unix ms&gt;: what</c> right before it (see Faults).
/// </summary>
public sealed partial class JobEnd
{
    [GeneratedRegex(@"\bINFO (\d+) (\S+): fault at (\d+): (.*)$", RegexOptions.Multiline)]
    private static partial Regex FaultLine();

    [GeneratedRegex(@"\bINFO (\d+) \S+: pid (\d+) host (\S+)", RegexOptions.Multiline)]
    private static partial Regex ProcessLine();

    private JobEnd(WorkerRun run, DateTimeOffset endedAt, IReadOnlyList<string> leftovers)
    {
        Run = run;
        EndedAt = endedAt;
        Leftovers = leftovers;
        Faults = [.. FaultLine().Matches(run.Stdout).Select(m => (
            int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)),
            m.Groups[4].Value.TrimEnd('\r')))];
        Processes = ProcessLine().Matches(run.Stdout).ToDictionary(
            m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            m => (Pid: int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), Host: m.Groups[3].Value));
    }

    public WorkerRun Run { get; }

    /// <summary>When mpiexec had exited and every rank had closed its output.</summary>
    public DateTimeOffset EndedAt { get; }

    /// <summary>Rank processes still alive right after mpiexec returned (they were then killed).</summary>
    public IReadOnlyList<string> Leftovers { get; }

    public IReadOnlyList<(int Rank, DateTimeOffset At, string What)> Faults { get; }

    /// <summary>Each rank's pid and host, from its <c>pid P host H</c> line.</summary>
    public IReadOnlyDictionary<int, (int Pid, string Host)> Processes { get; }

    /// <summary>From the first injected fault to the end of the job.</summary>
    public TimeSpan SinceFault => EndedAt - Faults[0].At;

    /// <summary>Launches <paramref name="scenario"/> alone, then looks for leftover ranks and kills them.</summary>
    public static JobEnd Launch(int ranks, string scenario, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var run = MpiLauncher.RunUnderMpiexec(ranks, [scenario], timeout, environment);
        var endedAt = DateTimeOffset.UtcNow;
        // Open MPI's mpiexec returns only after its ranks are gone. MPICH's Hydra can return while a rank it has just
        // signalled is still exiting (seen in about 1 run in 10 of a timeout or early-exit job, gone within 1 s), so a
        // rank gets a moment to finish dying before it counts as left behind.
        var marker = LeftoverProcesses.MarkerOf(run, scenario);
        for (var waited = 0; waited < 3000 && LeftoverProcesses.Find(marker).Count > 0; waited += 100)
            Thread.Sleep(100);
        var leftovers = LeftoverProcesses.KillAll(marker);
        var end = new JobEnd(run, endedAt, leftovers);
        TestContext.Out.WriteLine(end.Summary());
        TestContext.Out.WriteLine(run.Describe());
        return end;
    }

    public string Summary() =>
        $"exit {(Run.TimedOut ? "none (killed after the launch timeout)" : Run.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown")}, " +
        $"launch {Run.Elapsed.TotalSeconds:F1} s, " +
        (Faults.Count > 0 ? $"ended {SinceFault.TotalSeconds:F1} s after the fault on rank {Faults[0].Rank} ({Faults[0].What}), " : "no fault line, ") +
        $"{Leftovers.Count} leftover process(es)";

    /// <summary>The job ended by itself, non-zero, within <paramref name="limit"/> of the fault, with nothing left behind.</summary>
    public void AssertEndedAfterFault(TimeSpan limit, int faultyRank)
    {
        Assert.Multiple(() =>
        {
            Assert.That(Run.TimedOut, Is.False, () => $"the job did not end by itself; killed after {Run.Elapsed.TotalSeconds:F0} s");
            Assert.That(Run.ExitCode, Is.Not.Null.And.Not.EqualTo(0), "mpiexec's exit code");
            Assert.That(Faults.Select(f => f.Rank), Is.EqualTo(new[] { faultyRank }), "the ranks that printed a fault line");
            if (Faults.Count > 0)
                Assert.That(SinceFault, Is.LessThan(limit), "from the fault to the end of the job");
            Assert.That(Leftovers, Is.Empty, "rank processes alive after mpiexec returned (now killed)");
        });
    }
}
