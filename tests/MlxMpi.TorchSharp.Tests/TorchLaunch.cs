using System.Diagnostics;
using System.Text;

namespace MlxMpi.TorchSharp.Tests;

/// <summary>Starts this assembly's worker, or the example, under mpiexec (or alone) and collects what it printed.</summary>
internal static class TorchLaunch
{
    internal sealed record Result(string CommandLine, int? ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
    {
        public string Describe() => $"{CommandLine}\nexit {ExitCode?.ToString() ?? "none (killed)"} after {Elapsed.TotalSeconds:F1} s\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    /// <summary>The folder this assembly and its libtorch copy are in.</summary>
    internal static string OutputDir => AppContext.BaseDirectory;

    /// <summary>The example's output, built by the ProjectReference under the same configuration and runtime folder.</summary>
    internal static string ExampleDll()
    {
        var tail = Path.GetRelativePath(Path.Combine(OutputDir, "..", "..", ".."), OutputDir); // Release/net10.0/linux-x64
        var root = Path.GetFullPath(Path.Combine(OutputDir, "..", "..", "..", "..", "..", ".."));
        var dll = Path.Combine(root, "src", "MlxMpi.TorchSharp.Example", "bin", tail, "MlxMpi.TorchSharp.Example.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"the example is not built at {dll}");
    }

    internal static Result Mpiexec(int ranks, string dll, IEnumerable<string> arguments, TimeSpan timeout) =>
        Run("mpiexec", ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-n", ranks.ToString(), Dotnet(), dll, .. arguments], timeout, launched: true);

    internal static Result Alone(string dll, IEnumerable<string> arguments, TimeSpan timeout) =>
        Run(Dotnet(), [dll, .. arguments], timeout, launched: false);

    private static Result Run(string file, IReadOnlyList<string> arguments, TimeSpan timeout, bool launched)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        start.Environment["TERM"] = "dumb"; // Open MPI's pseudo-terminals otherwise get .NET's terminal control codes
        if (!launched)
        {
            foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("OMPI_", StringComparison.Ordinal) || k.StartsWith("PMIX_", StringComparison.Ordinal)).ToList())
                start.Environment.Remove(name);
        }
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.Append(e.Data).Append('\n'); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.Append(e.Data).Append('\n'); };
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            process.WaitForExitAsync(cancel.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(20_000);
        }
        lock (stdout)
        lock (stderr)
            return new Result(string.Join(' ', [file, .. arguments]), process.HasExited && !cancel.IsCancellationRequested ? process.ExitCode : null,
                              stdout.ToString(), stderr.ToString(), clock.Elapsed);
    }

    private static string Dotnet() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
}
