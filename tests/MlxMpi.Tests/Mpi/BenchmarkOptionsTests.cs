namespace MlxMpi.Tests.Mpi;

/// <summary>
/// The benchmark parses its options before it touches MPI: --help prints the usage and exits 0 outside any launcher
/// and under mpiexec; a bad option exits 2 with the message and the usage (before: an unhandled DistributedException
/// outside mpiexec, and a FormatException crash for --repeats abc).
/// </summary>
[Category("Mpi")]
public sealed class BenchmarkOptionsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static string Benchmark => MpiLauncher.ProgramDll("MlxMpi.Benchmark");

    [Test]
    public void Help_outside_any_launcher_prints_the_usage_and_exits_0()
    {
        var run = MpiLauncher.RunProgramStandalone(Benchmark, ["--help"], Timeout);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Describe());
        Assert.That(run.Stdout, Does.StartWith("usage: mpiexec -n <p> dotnet MlxMpi.Benchmark.dll").And.Contain("--repeats <n>"));
        Assert.That(run.Stderr, Is.Empty);
    }

    [Test]
    public void Help_under_mpiexec_prints_the_usage_on_every_rank_and_exits_0()
    {
        var run = MpiLauncher.RunProgramUnderMpiexec(2, Benchmark, ["-h"], Timeout);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Describe());
        // Each rank writes it in one write(), so the two copies are whole.
        Assert.That(run.Stdout.Split("usage: mpiexec -n <p>").Length - 1, Is.EqualTo(2), run.Describe());
        Assert.That(run.Stdout.Split("skips it (default 1M,4M,16M)\n").Length - 1, Is.EqualTo(2), run.Describe());
    }

    [TestCase("--repeats", "abc", "--repeats \"abc\" is not a whole number")]
    [TestCase("--seconds", "soon", "--seconds \"soon\" is not a number of seconds")]
    [TestCase("--sizes", "8,big", "\"big\" is not a byte count")]
    [TestCase("--frobnicate", null, "unknown argument --frobnicate")]
    [TestCase("--repeats", null, "--repeats needs a value")]
    public void A_bad_option_exits_2_with_the_reason_and_the_usage(string option, string? value, string reason)
    {
        string[] arguments = value is null ? [option] : [option, value];
        var run = MpiLauncher.RunProgramStandalone(Benchmark, arguments, Timeout);
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Describe());
        Assert.That(run.Stderr, Does.StartWith($"MlxMpi.Benchmark: {reason}").And.Contain("usage: mpiexec -n <p>"), run.Describe());
        Assert.That(run.Stderr, Does.Not.Contain("Unhandled exception"));
    }
}
