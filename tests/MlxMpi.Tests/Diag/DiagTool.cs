using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace MlxMpi.Tests.Diag;

/// <summary>
/// Runs the real mlxmpi-diag (src/MlxMpi.Diag, built through a ProjectReference in the same configuration as these
/// tests) as a process, the way a user runs it, and captures what it prints.
/// </summary>
public sealed class DiagTool : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();

    private DiagTool(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(ToolDll.Value);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        CommandLine = $"mlxmpi-diag {string.Join(' ', arguments)}";
        process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private static readonly Lazy<string> ToolDll = new(FindTool);

    public string CommandLine { get; }

    public string Stdout => Read(stdout);

    public string Stderr => Read(stderr);

    public int? ExitCode => process.HasExited ? process.ExitCode : null;

    /// <summary>Starts the tool and returns at once (for a test that must act while it samples).</summary>
    public static DiagTool Start(params string[] arguments) => new(arguments);

    /// <summary>Runs the tool to its end (killed after <paramref name="timeout"/>).</summary>
    public static DiagTool Run(TimeSpan timeout, params string[] arguments)
    {
        var tool = new DiagTool(arguments);
        tool.WaitForExit(timeout);
        return tool;
    }

    public void WaitForExit(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            process.WaitForExitAsync(cancel.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{CommandLine} did not end within {timeout.TotalSeconds:F0} s\n{Describe()}");
        }
    }

    /// <summary>Waits until the tool has printed <paramref name="text"/> on stderr (its progress messages).</summary>
    public void WaitForStderr(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!Stderr.Contains(text, StringComparison.Ordinal))
        {
            if (process.HasExited || clock.Elapsed > timeout)
                Assert.Fail($"{CommandLine} did not print \"{text}\"\n{Describe()}");
            Thread.Sleep(20);
        }
    }

    public string Describe() => $"{CommandLine}: exit {ExitCode?.ToString() ?? "none yet"}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            process.WaitForExit(5_000);
        }
        catch (InvalidOperationException)
        {
            // exited meanwhile
        }
        process.Dispose();
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
            return;
        lock (buffer)
            buffer.Append(line).Append('\n');
    }

    private static string Read(StringBuilder buffer)
    {
        lock (buffer)
            return buffer.ToString();
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";

    /// <summary>src/MlxMpi.Diag/bin/&lt;Configuration&gt;/&lt;tfm&gt;/mlxmpi-diag.dll, in this assembly's configuration.</summary>
    private static string FindTool()
    {
        var configuration = typeof(DiagTool).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var framework = new DirectoryInfo(Path.GetFullPath(AppContext.BaseDirectory)).Name;
        var dll = RepositoryLayout.PathOf("src", "MlxMpi.Diag", "bin", configuration, framework, "mlxmpi-diag.dll");
        return File.Exists(dll)
            ? dll
            : throw new FileNotFoundException($"mlxmpi-diag is not built at {dll}; building tests/MlxMpi.Tests builds it (ProjectReference)");
    }
}
