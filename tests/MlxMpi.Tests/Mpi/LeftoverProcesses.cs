using System.Diagnostics;
using System.Globalization;

namespace MlxMpi.Tests.Mpi;

/// <summary>
/// Finds the rank processes of a launch that are still alive after mpiexec returned, by a marker in their command
/// line (<c>pgrep -f</c>), and kills exactly those, by pid, so that a failing fault test never leaks processes.
/// </summary>
public static class LeftoverProcesses
{
    /// <summary>The command-line pattern (an extended regex, as pgrep takes) of the ranks of <paramref name="run"/>:
    /// the worker, the launch's seed and its first scenario.</summary>
    public static string MarkerOf(WorkerRun run, string scenario) =>
        $"MlxMpi\\.MpiWorker\\.dll --seed {run.Seed.ToString(CultureInfo.InvariantCulture)} {scenario}";

    /// <summary>The live processes whose command line matches <paramref name="pattern"/>, as "pid command line".</summary>
    public static IReadOnlyList<string> Find(string pattern)
    {
        var start = new ProcessStartInfo("pgrep") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-a", "-f", "--", pattern })
            start.ArgumentList.Add(argument);
        using var pgrep = Process.Start(start) ?? throw new InvalidOperationException("could not start pgrep");
        var output = pgrep.StandardOutput.ReadToEnd();
        var errors = pgrep.StandardError.ReadToEnd();
        pgrep.WaitForExit();
        // pgrep exits 1 when nothing matches; anything else above 1 is an error of its own.
        if (pgrep.ExitCode > 1)
            throw new InvalidOperationException($"pgrep -f {pattern} failed ({pgrep.ExitCode}): {errors}");
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    /// <summary>Kills every process that <see cref="Find"/> lists, one pid at a time; returns what it killed.</summary>
    public static IReadOnlyList<string> KillAll(string pattern)
    {
        var found = Find(pattern);
        foreach (var line in found)
        {
            if (!int.TryParse(line.Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
                continue;
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                process.WaitForExit(5000);
            }
            catch (ArgumentException)
            {
                // exited meanwhile
            }
            catch (InvalidOperationException)
            {
                // exited meanwhile
            }
        }
        return found;
    }
}
