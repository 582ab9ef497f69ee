namespace MlxMpi.Tests.Mpi;

/// <summary>
/// A launcher said this process is one of N &gt; 1 tasks, and MlxMpi cannot form that world: Init must throw on
/// every task, with strict or without, naming the cause and the fix, instead of carrying on as N worlds of one (each
/// of these exited 0 with nothing on stderr before). Under the suite's mpiexec (Open MPI, or MPICH in TestMpich) at
/// 2 ranks, and as 2 plain processes for launchers that cannot be run here (srun).
/// </summary>
[Category("Mpi")]
public sealed class LaunchRefusalTests
{
    private const int Ranks = 2;

    [TestCase("MLXMPI_MPI", "garbage", "MLXMPI_MPI=\"garbage\" is not accepted", "openmpi, mpich")]
    [TestCase("MLXMPI_NATIVE_PATH", "/nonexistent", "task", "of 2", "/nonexistent", "MLXMPI_NATIVE_PATH")]
    public void A_setting_that_makes_MPI_unusable_is_refused_on_every_rank(string variable, string value, params string[] expected)
    {
        var environment = new Dictionary<string, string> { [variable] = value };
        AssertRefusedUnderMpiexec(environment, expected);
    }

    [Test]
    public void MLXMPI_MPI_forced_against_the_launcher_is_refused_on_every_rank()
    {
        // MLXMPI_MPI=mpich under Open MPI's mpiexec (openmpi under MPICH's): the other MPI's MPI_Init cannot reach
        // this launcher, so every rank would be a world of one.
        var forced = MpiLauncher.IsMpich ? "openmpi" : "mpich";
        var launcher = MpiLauncher.IsMpich ? "Hydra" : "Open MPI's mpiexec";
        AssertRefusedUnderMpiexec(new Dictionary<string, string> { ["MLXMPI_MPI"] = forced },
            $"MLXMPI_MPI={forced} asks for the", launcher, "Unset MLXMPI_MPI");
    }

    [Test]
    public void Srun_without_an_MPI_plugin_is_refused_on_every_task()
    {
        // What `srun --mpi=none -n 2` gives its tasks: Slurm's step variables and no PMI of any kind.
        IReadOnlyDictionary<string, string> Slurm(int task) => new Dictionary<string, string>
        {
            ["SLURM_JOB_ID"] = "4242",
            ["SLURM_STEP_ID"] = "0",
            ["SLURM_NTASKS"] = "2",
            ["SLURM_PROCID"] = task.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var runs = MpiLauncher.RunProgramAsTasks(2, MpiLauncher.WorkerDll, LaunchRefusal.Worker("init_refused"), LaunchRefusal.Timeout, Slurm);
        var messages = LaunchRefusal.AssertEveryTaskRefused(runs, 2);
        LaunchRefusal.AssertMessages(messages, "of 2", "SLURM_STEP_ID=0", "srun --mpi=pmix", "--mpi=pmi2");
        Assert.That(messages[1], Does.Contain("task 1 of 2"));

        foreach (var demo in MpiLauncher.RunProgramAsTasks(2, LaunchRefusal.Demo, [], LaunchRefusal.Timeout, Slurm))
            LaunchRefusal.AssertProgramFailed(demo, "srun --mpi=pmix");
    }

    [Test]
    public void A_world_of_one_after_MPI_Init_under_a_PMIx_launcher_of_two_tasks_is_refused()
    {
        // A PMIx launcher's variables (srun --mpi=pmix) with no PMIx server behind them: Open MPI's MPI_Init falls
        // back to a singleton, as it does under a PMIx that it cannot reach.
        IReadOnlyDictionary<string, string> Pmix(int task) => new Dictionary<string, string>
        {
            ["PMIX_RANK"] = task.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PMIX_NAMESPACE"] = "slurm.pmix.4242.0",
            ["SLURM_STEP_ID"] = "0",
            ["SLURM_NTASKS"] = "2",
        };
        var runs = MpiLauncher.RunProgramAsTasks(2, MpiLauncher.WorkerDll, LaunchRefusal.Worker("init_refused"), LaunchRefusal.Timeout, Pmix);
        LaunchRefusal.AssertMessages(LaunchRefusal.AssertEveryTaskRefused(runs, 2),
            "started 2 tasks", "world of 1", "Open MPI", "srun --mpi=pmix");
    }

    [Test]
    public void A_world_of_one_after_MPI_Init_under_a_Hydra_of_two_tasks_is_refused()
    {
        if (!File.Exists(Path.Combine(Path.GetDirectoryName(MpiLauncher.WorkerDll)!, "libmlxmpi.mpich.so")))
            Assert.Ignore("no MPICH shim (mpicc.mpich missing at build time)");
        // Hydra's rank and size without its PMI socket (PMI_FD): MPICH's MPI_Init makes a singleton.
        IReadOnlyDictionary<string, string> Hydra(int task) => new Dictionary<string, string>
        {
            ["PMI_RANK"] = task.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PMI_SIZE"] = "2",
        };
        var runs = MpiLauncher.RunProgramAsTasks(2, MpiLauncher.WorkerDll, LaunchRefusal.Worker("init_refused"), LaunchRefusal.Timeout, Hydra);
        LaunchRefusal.AssertMessages(LaunchRefusal.AssertEveryTaskRefused(runs, 2),
            "started 2 tasks", "world of 1", "MPICH", "--mpi=pmi2");
    }

    private static void AssertRefusedUnderMpiexec(IReadOnlyDictionary<string, string> environment, params string[] expected)
    {
        var run = MpiLauncher.RunUnderMpiexec(Ranks, WorkerScenarios.InitRefused, LaunchRefusal.Timeout, environment);
        LaunchRefusal.AssertMessages(LaunchRefusal.AssertEveryTaskRefused([run], Ranks), expected);
        run.AssertExitedCleanly();
        LaunchRefusal.AssertProgramFailed(MpiLauncher.RunProgramUnderMpiexec(Ranks, LaunchRefusal.Demo, [], LaunchRefusal.Timeout, environment), expected);
    }
}
