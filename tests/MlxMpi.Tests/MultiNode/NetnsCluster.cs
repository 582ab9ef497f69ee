using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace MlxMpi.Tests.MultiNode;

/// <summary>
/// The 3-node cluster of network namespaces from scripts/netns-cluster.sh (nodes n1..n3 on a bridge in a switch
/// namespace, 10.231.0.0/24 only inside them), owned by this test process: its name carries our pid, so a later run
/// removes what a killed run left behind, and <see cref="Dispose"/> kills whatever still runs in it and deletes it.
/// </summary>
public sealed class NetnsCluster : IDisposable
{
    private const string NamePrefix = "mlxmpi-mn-";
    private bool _disposed;

    private NetnsCluster(string name) => Name = name;

    public string Name { get; }

    public static string Script => RepositoryLayout.PathOf("scripts", "netns-cluster.sh");

    /// <summary>Removes clusters of runs that are gone, then creates this process's cluster. Returns null with the
    /// reason when this machine cannot make network namespaces (not root, no CAP_NET_ADMIN, no netns support).</summary>
    public static NetnsCluster? TryCreate(out string? whyNot)
    {
        whyNot = null;
        var id = Tool("id", ["-u"]);
        if (id.Stdout.Trim() != "0")
        {
            whyNot = $"network namespaces need root (uid is {id.Stdout.Trim()})";
            return null;
        }
        var name = NamePrefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        RunScript("clean-stale");
        RunScript("down", name); // a cluster of ours from an earlier fixture in this very process
        var up = Tool("bash", [Script, "up", name]);
        if (up.ExitCode != 0)
        {
            Tool("bash", [Script, "down", name]);
            var text = up.Stdout + up.Stderr;
            if (text.Contains("not permitted", StringComparison.OrdinalIgnoreCase) ||
                text.Contains("Permission denied", StringComparison.OrdinalIgnoreCase) ||
                text.Contains("not supported", StringComparison.OrdinalIgnoreCase))
            {
                whyNot = $"cannot create network namespaces here: {text.Trim()}";
                return null;
            }
            throw new InvalidOperationException($"netns-cluster.sh up {name} failed ({up.ExitCode}): {text}");
        }
        return new NetnsCluster(name);
    }

    /// <summary>Takes node <paramref name="node"/>'s (n1..n3) only link up or down.</summary>
    public void SetLink(string node, bool up) => RunScript("link", Name, node, up ? "up" : "down");

    /// <summary>Every process still running in one of the cluster's namespaces, as "namespace pid command".</summary>
    public IReadOnlyList<string> Processes()
    {
        var result = RunScript("pids", Name);
        return [.. result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            var pid = line.Split(' ')[^1];
            var command = File.Exists($"/proc/{pid}/cmdline") ? ReadCommandLine(pid) : "(exited)";
            return $"{line} {command}";
        })];
    }

    /// <summary>The inode of node <paramref name="node"/>'s network namespace, as /proc/PID/ns/net shows it.</summary>
    public long NamespaceInode(string node)
    {
        var stat = Tool("stat", ["-L", "-c", "%i", $"/run/netns/{Name}-{node}"]);
        return long.Parse(stat.Stdout.Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>Bytes the switch port of node n<paramref name="k"/> received from the node and sent to it.</summary>
    public (long FromNode, long ToNode) PortBytes(int k)
    {
        var read = Tool("ip", ["netns", "exec", $"{Name}-sw", "cat", $"/sys/class/net/p{k}/statistics/rx_bytes", $"/sys/class/net/p{k}/statistics/tx_bytes"]);
        var numbers = read.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return (numbers[0], numbers[1]);
    }

    /// <summary><c>netns-cluster.sh mpiexec NAME [args]</c>: mpiexec in n1 across n1..n3, 2 slots each, TCP only.</summary>
    public ProcessStartInfo MpiexecStart(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("bash")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])[Script, "mpiexec", Name, .. arguments])
            start.ArgumentList.Add(argument);
        start.Environment["TERM"] = "dumb"; // Open MPI gives ranks a pty; keep .NET's console plain
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        return start;
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        var down = Tool("bash", [Script, "down", Name]);
        if (down.ExitCode != 0)
            TestContext.Progress.WriteLine($"netns-cluster.sh down {Name} failed ({down.ExitCode}): {down.Stdout}{down.Stderr}");
    }

    private static (int ExitCode, string Stdout, string Stderr) RunScript(params string[] arguments) => Tool("bash", [Script, .. arguments]);

    private static string ReadCommandLine(string pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "(exited)";
        }
    }

    /// <summary>Runs a short command to completion (60 s at most) and returns its exit code and output.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Tool(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish in 60 s");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>A job started under the cluster's mpiexec, its output collected line by line as it comes.</summary>
public sealed class ClusterJob : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ClusterJob(ProcessStartInfo start)
    {
        CommandLine = string.Join(' ', [start.FileName, .. start.ArgumentList]);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _process.StandardInput.Close(); // mpiexec forwards stdin to rank 0: an immediate EOF
    }

    public string CommandLine { get; }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Waits until <paramref name="condition"/> holds on stdout, or the job ends, or the time is up.</summary>
    public bool WaitForOutput(Func<string, bool> condition, TimeSpan limit)
    {
        var until = Stopwatch.StartNew();
        while (until.Elapsed < limit)
        {
            if (condition(Stdout))
                return true;
            if (_process.HasExited)
                return condition(Stdout);
            Thread.Sleep(100);
        }
        return false;
    }

    /// <summary>Waits for the job to end (and its output to be read); false when it is still running after the limit.</summary>
    public bool WaitForExit(TimeSpan limit)
    {
        using var cancel = new CancellationTokenSource(limit);
        try
        {
            _process.WaitForExitAsync(cancel.Token).GetAwaiter().GetResult();
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // exited meanwhile
        }
        _process.Dispose();
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
            return;
        lock (buffer)
            buffer.Append(line).Append('\n');
    }
}
