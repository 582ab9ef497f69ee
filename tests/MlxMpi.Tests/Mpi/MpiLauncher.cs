using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace MlxMpi.Tests.Mpi;

/// <summary>
/// Launches the MPI worker (tests/MlxMpi.MpiWorker): under <c>mpiexec -n N</c>, or alone outside any
/// launcher. Every launch gets a fresh seed (or MLXMPI_TEST_SEED, to reproduce a failure), a timeout after
/// which the whole process tree is killed, and its output captured for the assertions.
/// </summary>
public static partial class MpiLauncher
{
    private const string WorkerName = "MlxMpi.MpiWorker";

    /// <summary>The worker built in the same configuration and framework as this test assembly.</summary>
    public static string WorkerDll => Worker.Value;

    private static readonly Lazy<string> Worker = new(FindWorker);
    private static readonly Lazy<string[]> MpiexecFlags = new(DetectMpiexecFlags);
    private static readonly Lazy<bool> LauncherIsMpich = new(DetectMpich);

    /// <summary>True when the mpiexec the tests launch (MLXMPI_MPIEXEC, e.g. mpiexec.mpich) is MPICH's Hydra.</summary>
    public static bool IsMpich => LauncherIsMpich.Value;

    /// <summary>
    /// The exit code of a job that one rank ended with MPI_Abort(code). Open MPI's mpiexec exits with code. MPICH 4.0.2's
    /// Hydra does too, except about once in 140 launches when it reports 1 for the rank it killed (measured here with
    /// a plain C program, rank 1 aborting with 7 while rank 0 waits in a barrier: exit code 1 in 8 of 1,118 launches;
    /// rank 0 neither returned from the barrier nor caught a signal, so the 1 is Hydra's, not the program's).
    /// </summary>
    public static NUnit.Framework.Constraints.IResolveConstraint AbortedJobExitCode(int code) =>
        IsMpich ? Is.EqualTo(code).Or.EqualTo(1) : Is.EqualTo(code);

    /// <summary>
    /// MPICH 4.0 (ch4) busy-polls without ever yielding the core: with more ranks than cores, every collective then
    /// waits for a descheduled rank's time slice, about 10 ms instead of a microsecond (measured here: an 8-byte
    /// MPI_Allgather 1.3 us at 2 ranks, 8.6 ms at 3, 12.8 ms at 4 on 2 cores). Open MPI yields when oversubscribed.
    /// </summary>
    public static bool CollectivesCrawl(int ranks) => IsMpich && ranks > Environment.ProcessorCount;

    /// <summary>Start-up of N dotnet processes on a 2-core machine dominates, so the limit grows with N;
    /// MLXMPI_TEST_TIMEOUT_SECONDS overrides it.</summary>
    public static TimeSpan TimeoutFor(int ranks) =>
        int.TryParse(Environment.GetEnvironmentVariable("MLXMPI_TEST_TIMEOUT_SECONDS"), out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(ranks <= 4 ? 120 : 240);

    /// <summary><c>mpiexec -n ranks [flags] dotnet worker.dll --seed S scenarios...</c></summary>
    public static WorkerRun RunUnderMpiexec(int ranks, IEnumerable<string> scenarios, TimeSpan timeout) =>
        RunUnderMpiexec(ranks, scenarios, timeout, extraEnvironment: null);

    /// <summary>As <see cref="RunUnderMpiexec(int, IEnumerable{string}, TimeSpan)"/>, with variables added to the
    /// environment mpiexec starts with (and so every rank on this machine).</summary>
    public static WorkerRun RunUnderMpiexec(int ranks, IEnumerable<string> scenarios, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? extraEnvironment)
    {
        var seed = NewSeed();
        string[] arguments =
        [
            "-n", ranks.ToString(CultureInfo.InvariantCulture), .. MpiexecFlags.Value,
            DotnetHost(), WorkerDll, "--seed", seed.ToString(CultureInfo.InvariantCulture), .. scenarios,
        ];
        return Run(Mpiexec(), arguments, seed, environment =>
        {
            PlainTerminal(environment);
            foreach (var (name, value) in extraEnvironment ?? new Dictionary<string, string>())
                environment[name] = value;
        }, timeout);
    }

    /// <summary>
    /// Starts <c>mpiexec -n ranks [flags] dotnet worker.dll --seed S scenarios...</c> and returns at once, for tests
    /// that watch a live job (tests/MlxMpi.Tests/Diag). Every line mpiexec prints, stdout and stderr, goes to
    /// <paramref name="onOutput"/>. The caller owns the process: kill it with its tree in a finally.
    /// </summary>
    public static Process StartUnderMpiexec(int ranks, IEnumerable<string> scenarios,
        IReadOnlyDictionary<string, string>? extraEnvironment, Action<string> onOutput)
    {
        var start = new ProcessStartInfo(Mpiexec())
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string[] arguments =
        [
            "-n", ranks.ToString(CultureInfo.InvariantCulture), .. MpiexecFlags.Value,
            DotnetHost(), WorkerDll, "--seed", NewSeed().ToString(CultureInfo.InvariantCulture), .. scenarios,
        ];
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        PlainTerminal(start.Environment);
        foreach (var (name, value) in extraEnvironment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) onOutput(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) onOutput(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close(); // as Run: an immediate EOF for rank 0's forwarded stdin
        return process;
    }

    /// <summary><c>dotnet worker.dll --seed S scenarios...</c> with every launcher variable removed, so the
    /// library must see that no launcher started it.</summary>
    public static WorkerRun RunStandalone(IEnumerable<string> scenarios, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        var seed = NewSeed();
        string[] arguments = [WorkerDll, "--seed", seed.ToString(CultureInfo.InvariantCulture), .. scenarios];
        return Run(DotnetHost(), arguments, seed, environment =>
        {
            StripLauncherVariables(environment);
            foreach (var (name, value) in extraEnvironment ?? new Dictionary<string, string>())
                environment[name] = value;
        }, timeout);
    }

    /// <summary><c>dotnet worker.dll --list</c>: the scenario names the worker knows.</summary>
    public static IReadOnlyList<string> ListScenarios()
    {
        var run = Run(DotnetHost(), [WorkerDll, "--list"], 0, StripLauncherVariables, TimeSpan.FromSeconds(60));
        if (run.ExitCode != 0)
            throw new InvalidOperationException($"the worker's --list failed\n{run.Describe()}");
        return [.. run.Stdout.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];
    }

    internal static WorkerRun Run(string fileName, IReadOnlyList<string> arguments, ulong seed,
        Action<IDictionary<string, string?>> editEnvironment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        editEnvironment(start.Environment);
        var commandLine = string.Join(' ', [fileName, .. arguments]);

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);

        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // mpiexec forwards stdin to rank 0: give it an immediate EOF rather than the test runner's stdin.
        process.StandardInput.Close();

        var timedOut = !WaitForExit(process, timeout);
        if (timedOut)
        {
            // A hung collective leaves every rank waiting: kill mpiexec and all the ranks under it.
            try { process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { /* exited meanwhile */ }
            WaitForExit(process, TimeSpan.FromSeconds(20));
        }
        int? exitCode = process.HasExited ? process.ExitCode : null;
        lock (stdout)
        lock (stderr)
            return new WorkerRun(commandLine, seed, exitCode, timedOut, clock.Elapsed, stdout.ToString(), stderr.ToString());
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
            return;
        lock (buffer)
            buffer.Append(line).Append('\n');
    }

    // WaitForExitAsync also waits for the redirected streams to reach EOF, so no output is lost.
    private static bool WaitForExit(Process process, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            process.WaitForExitAsync(cancel.Token).GetAwaiter().GetResult();
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    // Open MPI gives each rank a pseudo-terminal for stdout, so .NET's console writes terminal control codes
    // into the output unless the terminal type says there are none.
    private static void PlainTerminal(IDictionary<string, string?> environment) => environment["TERM"] = "dumb";

    private static void StripLauncherVariables(IDictionary<string, string?> environment)
    {
        string[] prefixes = ["OMPI_", "PMI_", "PMIX_", "HYDRA_", "HYDI_", "MPI_LOCAL", "SLURM_"];
        foreach (var name in environment.Keys.Where(k => prefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
            environment.Remove(name);
    }

    internal static ulong NewSeed() =>
        ulong.TryParse(Environment.GetEnvironmentVariable("MLXMPI_TEST_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : (ulong)Random.Shared.NextInt64(1, long.MaxValue);

    private static string Mpiexec() => Environment.GetEnvironmentVariable("MLXMPI_MPIEXEC") is { Length: > 0 } path ? path : "mpiexec";

    // The dotnet CLI tells the processes it starts (the test host too) which host it is.
    internal static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";

    /// <summary>Open MPI refuses root and more ranks than cores unless told, and binds ranks to cores, which
    /// starves oversubscribed ranks; MPICH's Hydra needs none of this and rejects the flags.</summary>
    private static bool DetectMpich()
    {
        var version = Run(Mpiexec(), ["--version"], 0, _ => { }, TimeSpan.FromSeconds(60));
        return (version.Stdout + version.Stderr).Contains("HYDRA", StringComparison.OrdinalIgnoreCase);
    }

    private static string[] DetectMpiexecFlags()
    {
        var version = Run(Mpiexec(), ["--version"], 0, _ => { }, TimeSpan.FromSeconds(60));
        var text = version.Stdout + version.Stderr;
        var openMpi = text.Contains("Open MPI", StringComparison.OrdinalIgnoreCase) || text.Contains("OpenRTE", StringComparison.OrdinalIgnoreCase);
        return openMpi ? ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none"] : [];
    }

    /// <summary>
    /// The test project builds the worker through a ProjectReference (ReferenceOutputAssembly=false), so the
    /// worker's output sits beside this assembly's under the same relative path: bin/&lt;Configuration&gt;/&lt;tfm&gt;/.
    /// Mirroring that path keeps Debug tests on the Debug worker and Release on Release.
    /// </summary>
    private static string FindWorker()
    {
        var tests = RepositoryLayout.PathOf("tests");
        var workerProject = Path.Combine(tests, WorkerName);
        var candidates = new List<string>();

        var ownOutput = Path.GetFullPath(AppContext.BaseDirectory);
        var ownProject = Path.Combine(tests, "MlxMpi.Tests");
        var relative = Path.GetRelativePath(ownProject, ownOutput);
        if (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative))
            candidates.Add(Path.Combine(workerProject, relative, WorkerName + ".dll"));

        var configuration = typeof(MpiLauncher).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration;
        var framework = new DirectoryInfo(ownOutput).Name;
        if (configuration is not null)
            candidates.Add(Path.Combine(workerProject, "bin", configuration, framework, WorkerName + ".dll"));

        foreach (var candidate in candidates.Select(Path.GetFullPath))
        {
            if (File.Exists(candidate) && File.Exists(Path.ChangeExtension(candidate, ".runtimeconfig.json")))
                return candidate;
        }
        throw new FileNotFoundException(
            $"the MPI worker is not built; looked at: {string.Join(", ", candidates)}. " +
            "Building tests/MlxMpi.Tests builds it (ProjectReference).");
    }
}
