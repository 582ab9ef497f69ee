using System.Diagnostics;
using System.Globalization;
using NUnit.Framework;

namespace MlxMpi.Tests.Mpi;

/// <summary>
/// One managed assembly, two MPIs: the same worker build, launched by Open MPI's mpiexec and by MPICH's
/// mpiexec.mpich, loads the shim built for that MPI (mpi_flavor checks the shim's file and MPI_Get_library_version)
/// and gathers correctly; MLXMPI_MPI picks the shim by hand. The full MPI suite also runs under MPICH (Cake's
/// TestMpich: MLXMPI_MPIEXEC=mpiexec.mpich); these tests pin the selection whichever mpiexec the suite uses.
/// </summary>
[Category("Mpi")]
[Category("Mpich")]
public sealed class MpichTests
{
    private const string MpichLauncher = "mpiexec.mpich";

    [Test]
    public void Under_mpiexec_mpich_the_MPICH_shim_is_loaded_and_gathers()
    {
        RequireMpich();
        var run = Launch(MpichLauncher, [], ["mpi_flavor", "all_dtypes", "uneven_random"]);
        AssertPassed(run, 3, "mpi_flavor", "all_dtypes", "uneven_random");
        Assert.That(run.Stdout, Does.Contain("mpi_flavor: shim libmlxmpi.mpich.so library MPICH Version:"));
    }

    [Test]
    public void Under_Open_MPIs_mpiexec_the_Open_MPI_shim_is_loaded_and_gathers()
    {
        var run = Launch("mpiexec", ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none"], ["mpi_flavor", "all_dtypes"]);
        AssertPassed(run, 3, "mpi_flavor", "all_dtypes");
        Assert.That(run.Stdout, Does.Contain("mpi_flavor: shim libmlxmpi.so library Open MPI"));
    }

    [Test]
    public void Both_shims_sit_next_to_the_assembly()
    {
        var folder = Path.GetDirectoryName(MpiLauncher.WorkerDll)!;
        Assert.That(File.Exists(Path.Combine(folder, "libmlxmpi.so")), Is.True, "libmlxmpi.so beside the worker");
        if (!HasMpich())
            Assert.Ignore("MPICH (mpicc.mpich) is not installed, so the build made only the Open MPI shim");
        Assert.That(File.Exists(Path.Combine(folder, "libmlxmpi.mpich.so")), Is.True, "libmlxmpi.mpich.so beside the worker");
    }

    [Test]
    public void MLXMPI_MPI_with_an_unknown_name_makes_Init_say_so_even_outside_a_launcher()
    {
        // A typo is a configuration error, not "MPI unavailable": Init throws, strict or not, instead of a singleton.
        var run = MpiLauncher.RunStandalone(WorkerScenarios.InitRefused, TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["MLXMPI_MPI"] = "lam" });
        var messages = LaunchRefusal.AssertEveryTaskRefused([run], 1);
        LaunchRefusal.AssertMessages(messages, "MLXMPI_MPI=\"lam\" is not accepted: expected one of openmpi, mpich");
    }

    private static WorkerRun Launch(string mpiexec, string[] flags, string[] scenarios)
    {
        var seed = (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        var start = new ProcessStartInfo(mpiexec)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string[] arguments = ["-n", "3", .. flags, Dotnet(), MpiLauncher.WorkerDll, "--seed", seed.ToString(CultureInfo.InvariantCulture), .. scenarios];
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["TERM"] = "dumb";
        start.Environment.Remove("MLXMPI_MPI");
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        var ended = process.WaitForExit(TimeSpan.FromSeconds(120));
        if (!ended)
            process.Kill(entireProcessTree: true);
        process.WaitForExit();
        var run = new WorkerRun($"{mpiexec} {string.Join(' ', arguments)}", seed, ended ? process.ExitCode : null, !ended, clock.Elapsed,
                                stdout.Result, stderr.Result);
        TestContext.Out.WriteLine(run.Describe());
        return run;
    }

    private static void AssertPassed(WorkerRun run, int ranks, params string[] scenarios)
    {
        foreach (var scenario in scenarios)
            run.AssertScenarioPassed(scenario, ranks);
        run.AssertExitedCleanly();
    }

    private static string Dotnet() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";

    private static bool HasMpich() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, "mpicc.mpich")));

    private static void RequireMpich()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, MpichLauncher)));
        if (!onPath)
            Assert.Ignore($"{MpichLauncher} is not installed (Debian: apt-get install mpich libmpich-dev)");
    }
}
