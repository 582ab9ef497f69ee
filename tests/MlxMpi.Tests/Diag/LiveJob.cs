using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MlxMpi.Tests.Mpi;

namespace MlxMpi.Tests.Diag;

/// <summary>
/// A worker job left running for mlxmpi-diag to look at: started without waiting, steered through the gate files
/// of its scenario (MLXMPI_DIAG_START, MLXMPI_DIAG_RELEASE, in a temp folder of its own), and killed with all its
/// ranks when disposed, whatever happened.
/// </summary>
public sealed partial class LiveJob : IDisposable
{
    private readonly Process mpiexec;
    private readonly StringBuilder output = new();
    private readonly string folder = Directory.CreateTempSubdirectory("mlxmpi-diag-test-").FullName;

    [GeneratedRegex(@"^INFO (\d+) \S+: pid (\d+)\s*$")]
    private static partial Regex PidLine();

    private LiveJob(int ranks, string scenario)
    {
        Ranks = ranks;
        var environment = new Dictionary<string, string>
        {
            ["MLXMPI_DIAG_START"] = StartFile,
            ["MLXMPI_DIAG_RELEASE"] = ReleaseFile,
        };
        mpiexec = MpiLauncher.StartUnderMpiexec(ranks, [scenario], environment, line =>
        {
            lock (output)
                output.Append(line).Append('\n');
        });
    }

    public int Ranks { get; }

    /// <summary>The rank processes by world rank, from each rank's "pid P" line (see <see cref="WaitForPids"/>).</summary>
    public IReadOnlyDictionary<int, int> Pids { get; private set; } = new Dictionary<int, int>();

    public string Folder => folder;

    private string StartFile => Path.Combine(folder, "start");

    private string ReleaseFile => Path.Combine(folder, "release");

    public string Output
    {
        get
        {
            lock (output)
                return output.ToString();
        }
    }

    public static LiveJob Start(int ranks, string scenario) => new(ranks, scenario);

    /// <summary>Waits until every rank has printed its pid, and returns them by world rank.</summary>
    public IReadOnlyDictionary<int, int> WaitForPids(TimeSpan timeout)
    {
        WaitFor(() => PidLines().Count == Ranks, timeout, $"all {Ranks} ranks to print their pid");
        Pids = PidLines();
        return Pids;
    }

    /// <summary>Waits until <paramref name="count"/> lines of the job contain <paramref name="text"/>.</summary>
    public void WaitForLines(string text, int count, TimeSpan timeout) =>
        WaitFor(() => Output.Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal)) >= count, timeout,
                $"{count} line(s) with \"{text}\"");

    public void Open() => File.WriteAllText(StartFile, "");

    public void Release() => File.WriteAllText(ReleaseFile, "");

    /// <summary>Waits for mpiexec to end by itself; null if it had not within <paramref name="timeout"/>.</summary>
    public int? WaitForExit(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            mpiexec.WaitForExitAsync(cancel.Token).GetAwaiter().GetResult();
            return mpiexec.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The ranks whose process is still alive.</summary>
    public IReadOnlyList<int> LivingRanks() => [.. Pids.Where(p => IsAlive(p.Value)).Select(p => p.Key)];

    /// <summary>Kills mpiexec with its tree, then any rank that outlived it (by pid), and deletes the gate folder.</summary>
    public void Dispose()
    {
        try
        {
            if (!mpiexec.HasExited)
            {
                mpiexec.Kill(entireProcessTree: true);
                mpiexec.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // exited meanwhile
        }
        foreach (var pid in Pids.Values.Where(IsAlive))
        {
            try
            {
                using var rank = Process.GetProcessById(pid);
                rank.Kill();
                rank.WaitForExit(5_000);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // exited meanwhile
            }
        }
        mpiexec.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    public string Describe() => $"job output:\n{Output}";

    private Dictionary<int, int> PidLines() =>
        Output.Split('\n').Select(l => PidLine().Match(l)).Where(m => m.Success)
              .GroupBy(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
              .ToDictionary(g => g.Key, g => int.Parse(g.First().Groups[2].Value, CultureInfo.InvariantCulture));

    private void WaitFor(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (mpiexec.HasExited)
                Assert.Fail($"the job ended (exit {mpiexec.ExitCode}) before {what}\n{Describe()}");
            if (clock.Elapsed > timeout)
                Assert.Fail($"no {what} within {timeout.TotalSeconds:F0} s\n{Describe()}");
            Thread.Sleep(50);
        }
    }

    // A pid that exited but was not reaped yet (a zombie) counts as gone: it runs nothing any more.
    private static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..].FirstOrDefault() is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }
}
