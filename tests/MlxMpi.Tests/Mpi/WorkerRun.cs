using System.Text;
using NUnit.Framework;

namespace MlxMpi.Tests.Mpi;

/// <summary>What one launch of the worker produced, and the assertions the MPI tests make on it.</summary>
public sealed class WorkerRun(string commandLine, ulong seed, int? exitCode, bool timedOut, TimeSpan elapsed, string stdout, string stderr)
{
    private const int StderrTailChars = 6000;

    public string CommandLine { get; } = commandLine;
    public ulong Seed { get; } = seed;
    /// <summary>Null when the process had to be killed.</summary>
    public int? ExitCode { get; } = exitCode;
    public bool TimedOut { get; } = timedOut;
    public TimeSpan Elapsed { get; } = elapsed;
    public string Stdout { get; } = stdout;
    public string Stderr { get; } = stderr;
    public IReadOnlyList<WorkerResult> Results { get; } = WorkerResult.ParseAll(stdout);

    /// <summary>The launch ended by itself with exit code 0.</summary>
    public void AssertExitedCleanly()
    {
        Assert.That(TimedOut, Is.False, () => $"the launch timed out and was killed\n{Describe()}");
        Assert.That(ExitCode, Is.EqualTo(0), () => $"the launch exited with {ExitCode}\n{Describe(failuresOnly: true)}");
    }

    /// <summary>Every rank 0..ranks-1 printed exactly one result for the scenario, and it is PASS.</summary>
    public void AssertScenarioPassed(string scenario, int ranks)
    {
        var lines = Results.Where(r => r.Scenario == scenario).ToList();
        var problems = new List<string>();
        for (var rank = 0; rank < ranks; rank++)
        {
            var mine = lines.Where(r => r.Rank == rank).ToList();
            if (mine.Count == 0)
                problems.Add($"rank {rank} printed no result");
            else if (mine.Count > 1)
                problems.Add($"rank {rank} printed {mine.Count} results");
            problems.AddRange(mine.Where(r => !r.Passed).Select(r => r.Line));
        }
        problems.AddRange(lines.Where(r => r.Rank < 0 || r.Rank >= ranks).Select(r => $"unexpected rank: {r.Line}"));
        if (problems.Count > 0 && TimedOut)
            problems.Insert(0, "the launch hung (killed after the timeout): a rank printing no result is probably stuck in it");
        Assert.That(problems, Is.Empty, () => $"{scenario} on {ranks} ranks:\n  {string.Join("\n  ", problems)}\n{Describe(failuresOnly: true)}");
    }

    /// <summary>The command, seed, exit status, then the worker's output (only its failures if asked) and stderr.</summary>
    public string Describe(bool failuresOnly = false)
    {
        var text = new StringBuilder();
        text.AppendLine($"command: {CommandLine}");
        text.AppendLine($"seed: {Seed} (set MLXMPI_TEST_SEED={Seed} to rerun with the same data)");
        text.AppendLine($"exit: {(TimedOut ? "killed after timeout" : ExitCode?.ToString() ?? "unknown")}, {Elapsed.TotalSeconds:F1} s");
        var stdoutLines = Stdout.Split('\n').Where(l => l.Length > 0);
        if (failuresOnly)
            stdoutLines = stdoutLines.Where(l => !l.Contains(" PASS", StringComparison.Ordinal));
        text.AppendLine("stdout:");
        foreach (var line in stdoutLines)
            text.AppendLine("  " + line.TrimEnd('\r'));
        var stderr = Stderr.Length > StderrTailChars ? "..." + Stderr[^StderrTailChars..] : Stderr;
        text.AppendLine("stderr:");
        text.AppendLine(stderr);
        return text.ToString();
    }
}
