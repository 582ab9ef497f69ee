using System.Globalization;
using MlxMpi.Tests.Mpi;

namespace MlxMpi.Tests.Launchers;

/// <summary>
/// What the launcher tests (Slurm, containers, MPI.NET) share: a command run with a timeout and its output captured
/// (MpiLauncher's runner), and requirements that skip a test with the reason on a developer machine but fail it on
/// CI, where scripts/install-deps.sh installed everything and the runner is root.
/// </summary>
internal static class Launch
{
    /// <summary>Runs <paramref name="file"/> with TERM=dumb plus <paramref name="environment"/>, killing its tree at the timeout.</summary>
    public static WorkerRun Command(string file, IEnumerable<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null, ulong seed = 0)
    {
        var run = MpiLauncher.Run(file, [.. arguments], seed, env =>
        {
            env["TERM"] = "dumb";
            foreach (var (name, value) in environment ?? new Dictionary<string, string>())
                env[name] = value;
        }, timeout);
        TestContext.Out.WriteLine(run.Describe());
        return run;
    }

    public static ulong NewSeed() => MpiLauncher.NewSeed();

    public static string Seed(ulong seed) => seed.ToString(CultureInfo.InvariantCulture);

    public static string Dotnet => MpiLauncher.DotnetHost();

    /// <summary>A program the test needs, looked up on PATH (and in the sbin folders, which a non-root PATH may lack).</summary>
    public static string Require(string program, string package)
    {
        string[] dirs = [.. (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'), "/usr/sbin", "/sbin"];
        var found = dirs.Where(d => d.Length > 0).Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
        return found ?? Skip($"{program} is not installed (Debian: apt-get install {package}; scripts/install-deps.sh installs it)");
    }

    public static void RequireRoot(string why)
    {
        if (!Environment.IsPrivilegedProcess)
            Skip($"needs root: {why}");
    }

    /// <summary>Ignored with the reason locally; on CI (CI=true) nothing may be missing, so it fails.</summary>
    public static string Skip(string reason)
    {
        if (Environment.GetEnvironmentVariable("CI") == "true")
            Assert.Fail($"{reason}; CI must run this test");
        Assert.Ignore(reason);
        return "";
    }
}
