using System.Diagnostics;
using Microsoft.Diagnostics.NETCore.Client;

namespace MlxMpi.Diag;

/// <summary>
/// Finds the MlxMpi rank processes on this node: every .NET process publishes a diagnostics port (a socket in
/// $TMPDIR on Unix), so DiagnosticsClient.GetPublishedProcesses() lists them all, and each one's environment, asked
/// for through that port, says whether a launcher started it as a rank.
/// </summary>
internal static class RankDiscovery
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Ranks and processes that have loaded MlxMpi, by world rank then pid; never this process.</summary>
    public static IReadOnlyList<RankProcess> FindAll()
    {
        var self = Environment.ProcessId;
        var pids = DiagnosticsClient.GetPublishedProcesses().Where(pid => pid != self).Distinct().ToList();
        var described = Task.WhenAll(pids.Select(pid => Task.Run(() => DescribeAsync(pid)))).GetAwaiter().GetResult();
        return [.. described.OfType<RankProcess>()
                            .Where(p => p.IsRank || p.HasMlxMpi == true || p.Error is not null && p.HasMlxMpi != false)
                            .OrderBy(p => p.Job ?? "").ThenBy(p => p.WorldRank ?? int.MaxValue).ThenBy(p => p.Pid)];
    }

    private static async Task<RankProcess?> DescribeAsync(int pid)
    {
        var commandLine = ProcFs.CommandLine(pid) ?? CommandLineFallback(pid);
        if (commandLine is null)
            return null; // a stale port left behind by a process that is gone
        var hasMlxMpi = ProcFs.HasMlxMpi(pid);
        try
        {
            var environment = await DiagnosticsPort.CallAsync(pid, client => client.GetProcessEnvironment(), AnswerTimeout).ConfigureAwait(false);
            var launcher = LauncherEnvironment.Of(environment);
            return new RankProcess(pid, launcher.Rank, launcher.Size, launcher.Job(ProcFs.ParentPid(pid)), hasMlxMpi, commandLine, null);
        }
        catch (Exception e) when (DiagnosticsPort.IsFailure(e))
        {
            return new RankProcess(pid, null, null, null, hasMlxMpi, commandLine, $"no answer on its diagnostics port ({e.GetType().Name})");
        }
    }

    private static string? CommandLineFallback(int pid)
    {
        if (OperatingSystem.IsLinux())
            return null; // /proc had no such process
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.ProcessName;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
