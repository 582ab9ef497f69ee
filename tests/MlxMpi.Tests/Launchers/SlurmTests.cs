using System.Text.RegularExpressions;
using MlxMpi.Tests.Mpi;

namespace MlxMpi.Tests.Launchers;

/// <summary>
/// The MPI worker's general scenarios launched by Slurm instead of mpiexec, on a one-node cluster this fixture
/// starts and stops: <c>srun --mpi=pmix</c> (Open MPI), <c>srun --mpi=pmi2</c> (MPICH), an <c>sbatch</c> job, and
/// <c>srun --mpi=none</c>, which starts every task as a world of one and must be refused. Every rank's values are
/// checked by the scenarios; mpi_flavor checks which shim and MPI library each rank loaded.
/// </summary>
[Category("Mpi")]
[Category("Slurm")]
[NonParallelizable]
public sealed class SlurmTests
{
    private SlurmCluster? cluster;

    [OneTimeSetUp]
    public void StartCluster() => cluster = SlurmCluster.Start(nodes: 1);

    [OneTimeTearDown]
    public void StopCluster() => cluster?.Dispose();

    [Test]
    public void Srun_mpi_pmix_runs_the_general_scenarios_on_Open_MPI() =>
        AssertGeneralScenarios("pmix", 3, "libmlxmpi.so library Open MPI");

    /// <summary>Two ranks on two cores: MPICH busy-polls, so more ranks than cores would only measure time slices.</summary>
    [Test]
    public void Srun_mpi_pmi2_runs_the_general_scenarios_on_MPICH() =>
        AssertGeneralScenarios("pmi2", 2, "libmlxmpi.mpich.so library MPICH");

    /// <summary>Every general scenario passes on every rank of one srun step, and every rank loaded <paramref name="shim"/>.</summary>
    private void AssertGeneralScenarios(string plugin, int ranks, string shim)
    {
        var run = Srun(plugin, ranks, WorkerScenarios.General);
        foreach (var scenario in WorkerScenarios.General)
            run.AssertScenarioPassed(scenario, ranks);
        run.AssertExitedCleanly();
        AssertShims(run, ranks, shim);
    }

    [Test]
    public void Sbatch_job_runs_srun_steps_under_both_MPIs()
    {
        string[] scenarios = ["mpi_flavor", "init_twice", "all_dtypes", "subgroup_parity", "mismatch_dtype", "from_native_round_trip"];
        var seed = Launch.NewSeed();
        var output = Path.Combine(cluster!.Directory, $"job-{seed}.out");
        var script = Path.Combine(cluster.Directory, $"job-{seed}.sh");
        var worker = $"{Launch.Dotnet} {MpiLauncher.WorkerDll} --seed {Launch.Seed(seed)} {string.Join(' ', scenarios)}";
        File.WriteAllText(script, $"""
            #!/bin/sh
            #SBATCH --ntasks=3
            #SBATCH --output={output}
            # One job, two steps: the job's exit code is the last step's, so both statuses are printed.
            export TERM=dumb UCX_HANDLE_ERRORS=none OMPI_MCA_mpi_yield_when_idle=1
            srun --mpi=pmix {worker}; echo "STEP pmix $?"
            srun --mpi=pmi2 -n 2 {worker}; echo "STEP pmi2 $?"

            """);
        var submit = cluster.Run(["sbatch", "--wait", script], TimeSpan.FromSeconds(300), seed);
        Assert.That(submit.ExitCode, Is.EqualTo(0), () => $"sbatch --wait failed\n{submit.Describe()}");
        Assert.That(File.Exists(output), Is.True, $"the job wrote no {output}");
        var text = File.ReadAllText(output);
        TestContext.Out.WriteLine(text);
        Assert.That(text, Does.Contain("STEP pmix 0").And.Contain("STEP pmi2 0"));

        // Each step's RESULT lines, checked as one launch each (they are in step order in the file).
        var steps = text.Split("STEP pmix", 2);
        var pmix = new WorkerRun("sbatch step 1 (srun --mpi=pmix -n 3)", seed, 0, false, TimeSpan.Zero, steps[0], "");
        var pmi2 = new WorkerRun("sbatch step 2 (srun --mpi=pmi2 -n 2)", seed, 0, false, TimeSpan.Zero, steps[1], "");
        foreach (var scenario in scenarios)
        {
            pmix.AssertScenarioPassed(scenario, 3);
            pmi2.AssertScenarioPassed(scenario, 2);
        }
        AssertShims(pmix, 3, "libmlxmpi.so library Open MPI");
        AssertShims(pmi2, 2, "libmlxmpi.mpich.so library MPICH");
    }

    /// <summary>
    /// srun without an MPI plugin starts two tasks that each see a world of one. The library must refuse to carry on
    /// (DESIGN.md, "Where jobs run"): the demo, which calls Init() without strict, must fail on every rank with the
    /// plugin to use. Needs the launcher checks of issue 12 (branch issue12-env).
    /// </summary>
    [Test]
    public void Srun_mpi_none_with_two_tasks_is_refused_on_every_rank()
    {
        var demo = MpiLauncher.WorkerDll.Replace(Path.Combine("tests", "MlxMpi.MpiWorker"), Path.Combine("src", "MlxMpi.Demo"), StringComparison.Ordinal)
                                        .Replace("MlxMpi.MpiWorker.dll", "MlxMpi.Demo.dll", StringComparison.Ordinal);
        Assert.That(File.Exists(demo), Is.True, $"the demo is not built: {demo}");
        var run = cluster!.Run(["srun", "--mpi=none", "-n", "2", Launch.Dotnet, demo], TimeSpan.FromSeconds(120));
        Assert.That(run.TimedOut, Is.False, () => $"srun --mpi=none hung\n{run.Describe()}");
        Assert.That(run.ExitCode, Is.Not.EqualTo(0), () => $"two worlds of one ran to success\n{run.Describe()}");
        var refusals = Regex.Matches(run.Stderr, @"MlxMpi\.DistributedException").Count;
        Assert.That(refusals, Is.GreaterThanOrEqualTo(2), () => $"expected a DistributedException from each of the 2 tasks\n{run.Describe()}");
        Assert.That(run.Stderr, Does.Contain("--mpi=pmix").And.Contain("--mpi=pmi2"), () => $"the message must name the plugins\n{run.Describe()}");
    }

    private WorkerRun Srun(string plugin, int ranks, IEnumerable<string> scenarios)
    {
        var seed = Launch.NewSeed();
        return cluster!.Run(["srun", $"--mpi={plugin}", "-n", $"{ranks}", Launch.Dotnet, MpiLauncher.WorkerDll, "--seed", Launch.Seed(seed), .. scenarios],
            MpiLauncher.TimeoutFor(ranks) * 2, seed, Environment);
    }

    /// <summary>
    /// UCX must leave SIGSEGV to .NET (MPICH). And Open MPI must yield when idle: mpiexec --oversubscribe turns that
    /// on, srun cannot tell Open MPI that 3 ranks share 2 cores, and busy-polling ranks then wait a time slice per
    /// collective (allocation_budget's thousands of gathers took over 4 minutes on a loaded machine).
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string> Environment = new Dictionary<string, string>
    {
        ["UCX_HANDLE_ERRORS"] = "none",
        ["OMPI_MCA_mpi_yield_when_idle"] = "1",
    };

    /// <summary>Every rank printed the shim and library it loaded (mpi_flavor's INFO line), and they are the expected ones.</summary>
    internal static void AssertShims(WorkerRun run, int ranks, string expected)
    {
        for (var rank = 0; rank < ranks; rank++)
            Assert.That(run.Stdout, Does.Contain($"INFO {rank} mpi_flavor: shim {expected}"), () => $"rank {rank} did not load {expected}\n{run.Describe()}");
    }
}
