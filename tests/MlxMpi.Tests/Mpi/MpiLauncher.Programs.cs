using System.Globalization;
using System.Reflection;

namespace MlxMpi.Tests.Mpi;

/// <summary>
/// Launches the repository's other programs (the demo, the benchmark) as a user would, built in the same
/// configuration as the tests (MlxMpi.sln builds them), and the worker as several plain processes with a fake
/// launcher environment each (a launcher that started tasks MPI cannot connect).
/// </summary>
public static partial class MpiLauncher
{
    /// <summary>src/<paramref name="project"/>/bin/&lt;Configuration&gt;/&lt;tfm&gt;/<paramref name="project"/>.dll.</summary>
    public static string ProgramDll(string project)
    {
        var configuration = typeof(MpiLauncher).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var framework = new DirectoryInfo(Path.GetFullPath(AppContext.BaseDirectory)).Name;
        var dll = RepositoryLayout.PathOf("src", project, "bin", configuration, framework, project + ".dll");
        if (!File.Exists(dll))
            throw new FileNotFoundException($"{dll} is not built: build MlxMpi.sln (dotnet cake --target=Build) in {configuration}");
        return dll;
    }

    /// <summary><c>mpiexec -n ranks [flags] dotnet program.dll arguments...</c>; TERM=dumb unless the environment says.</summary>
    public static WorkerRun RunProgramUnderMpiexec(int ranks, string dll, IEnumerable<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        string[] all = ["-n", ranks.ToString(CultureInfo.InvariantCulture), .. MpiexecFlags.Value, DotnetHost(), dll, .. arguments];
        return Run(Mpiexec(), all, 0, environment =>
        {
            PlainTerminal(environment);
            foreach (var (name, value) in extraEnvironment ?? new Dictionary<string, string>())
                environment[name] = value;
        }, timeout);
    }

    /// <summary><c>dotnet program.dll arguments...</c> outside any launcher (launcher variables removed).</summary>
    public static WorkerRun RunProgramStandalone(string dll, IEnumerable<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? extraEnvironment = null) =>
        Run(DotnetHost(), [dll, .. arguments], 0, environment =>
        {
            StripLauncherVariables(environment);
            foreach (var (name, value) in extraEnvironment ?? new Dictionary<string, string>())
                environment[name] = value;
        }, timeout);

    /// <summary>
    /// <paramref name="tasks"/> plain processes of the program at once, with no launcher, each with the environment
    /// <paramref name="environmentOfTask"/> gives it: what a launcher that starts tasks without a way for MPI to
    /// connect them (`srun --mpi=none`) leaves behind. Returns each task's run, in task order.
    /// </summary>
    public static IReadOnlyList<WorkerRun> RunProgramAsTasks(int tasks, string dll, IEnumerable<string> arguments, TimeSpan timeout,
        Func<int, IReadOnlyDictionary<string, string>> environmentOfTask)
    {
        var list = arguments.ToList();
        var runs = Enumerable.Range(0, tasks)
            .Select(task => Task.Run(() => RunProgramStandalone(dll, list, timeout, environmentOfTask(task))))
            .ToArray();
        return [.. runs.Select(r => r.GetAwaiter().GetResult())];
    }
}
