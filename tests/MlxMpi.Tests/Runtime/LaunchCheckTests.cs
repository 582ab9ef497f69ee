using MlxMpi.Interop;
using MlxMpi.Runtime;

namespace MlxMpi.Tests.Runtime;

/// <summary>When Init must refuse instead of becoming a world of one, from injected environments.</summary>
public sealed class LaunchCheckTests
{
    private static LauncherEnvironment Of(Dictionary<string, string> variables) => LauncherEnvironment.Of(variables);

    [Test]
    public void Srun_without_a_PMI_is_refused_naming_both_plugins()
    {
        var launcher = Of(new() { ["SLURM_NTASKS"] = "4", ["SLURM_STEP_ID"] = "0", ["SLURM_PROCID"] = "3" });
        var refused = LaunchCheck.BeforeStart(launcher, whyMpiCannotStart: "this process was not started by an MPI launcher");
        Assert.That(refused, Is.Not.Null);
        Assert.That(refused!.Message, Does.Contain("task 3 of 4").And.Contain("`srun --mpi=pmix` for Open MPI").And.Contain("`srun --mpi=pmi2` for")
                                          .And.Contain("SLURM_STEP_ID=0"));
        // Also when the shim would load: srun gave MPI nothing to connect to.
        Assert.That(LaunchCheck.BeforeStart(launcher, whyMpiCannotStart: null), Is.Not.Null);
    }

    [Test]
    public void One_of_many_tasks_without_a_usable_MPI_is_refused_with_the_reason()
    {
        var launcher = Of(new() { ["OMPI_COMM_WORLD_SIZE"] = "2", ["OMPI_COMM_WORLD_RANK"] = "1" });
        var refused = LaunchCheck.BeforeStart(launcher, "The MlxMpi native shim could not be loaded: libmlxmpi.so was not found. Set MLXMPI_NATIVE_PATH.");
        Assert.That(refused!.Message, Does.Contain("task 1 of 2").And.Contain("Open MPI's mpiexec").And.Contain("libmlxmpi.so was not found")
                                          .And.Contain("MLXMPI_NATIVE_PATH"));
    }

    [TestCase("1")]
    [TestCase(null)]
    public void A_single_task_or_no_launcher_may_be_a_singleton(string? size)
    {
        var variables = new Dictionary<string, string>();
        if (size is not null)
            (variables["OMPI_COMM_WORLD_SIZE"], variables["OMPI_COMM_WORLD_RANK"]) = (size, "0");
        Assert.That(LaunchCheck.BeforeStart(Of(variables), "the shim could not be loaded"), Is.Null);
        Assert.That(LaunchCheck.AfterStart(Of(variables), worldSize: 1, MpiFlavor.OpenMpi), Is.Null);
        Assert.That(LaunchCheck.BeforeStart(Of(new() { ["SLURM_NTASKS"] = "1", ["SLURM_STEP_ID"] = "0" }), "no launcher"), Is.Null);
    }

    [Test]
    public void A_world_of_one_after_MPI_Init_is_refused_with_the_launchers_to_use()
    {
        var launcher = Of(new() { ["PMIX_RANK"] = "0", ["PMIX_NAMESPACE"] = "x", ["SLURM_STEP_ID"] = "0", ["SLURM_NTASKS"] = "4" });
        var refused = LaunchCheck.AfterStart(launcher, worldSize: 1, MpiFlavor.Mpich);
        Assert.That(refused!.Message, Does.Contain("started 4 tasks").And.Contain("world of 1").And.Contain("MPICH").And.Contain("--mpi=pmi2")
                                          .And.Contain("MLXMPI_MPI"));
        Assert.That(LaunchCheck.AfterStart(launcher, worldSize: 4, MpiFlavor.OpenMpi), Is.Null);
    }
}
