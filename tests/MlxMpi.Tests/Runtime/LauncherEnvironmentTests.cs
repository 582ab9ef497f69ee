using MlxMpi.Runtime;

namespace MlxMpi.Tests.Runtime;

/// <summary>Who started a process, from fake environments as each launcher leaves them (no launcher needed).</summary>
public sealed class LauncherEnvironmentTests
{
    private static LauncherEnvironment Of(Dictionary<string, string> variables) => LauncherEnvironment.Of(variables);

    [Test]
    public void Open_MPIs_mpiexec_gives_rank_size_and_job()
    {
        var launcher = Of(new() { ["OMPI_COMM_WORLD_RANK"] = "3", ["OMPI_COMM_WORLD_SIZE"] = "5", ["PMIX_RANK"] = "3", ["PMIX_NAMESPACE"] = "1234" });
        Assert.That((launcher.Kind, launcher.Rank, launcher.Size, launcher.Job(null)), Is.EqualTo((LauncherKind.OpenMpi, 3, 5, "1234")));
        Assert.That(launcher.StartsMpi && launcher.IsOneOfMany, Is.True);
        Assert.That(launcher.Describe(), Does.Contain("Open MPI's mpiexec").And.Contain("OMPI_COMM_WORLD_SIZE=5"));
    }

    [Test]
    public void Hydra_gives_rank_and_size_and_its_proxy_as_job()
    {
        var launcher = Of(new() { ["PMI_RANK"] = "1", ["PMI_SIZE"] = "2", ["PMI_FD"] = "6", ["MPI_LOCALNRANKS"] = "2" });
        Assert.That((launcher.Kind, launcher.Rank, launcher.Size, launcher.Job(777)), Is.EqualTo((LauncherKind.Hydra, 1, 2, "ppid-777")));
        Assert.That(launcher.MpiFamily, Is.EqualTo("mpich"));
    }

    [Test]
    public void Slurms_PMI2_is_told_from_Hydra_by_PMI_JOBID()
    {
        var launcher = Of(new() { ["PMI_RANK"] = "2", ["PMI_SIZE"] = "4", ["PMI_FD"] = "9", ["PMI_JOBID"] = "77.0", ["SLURM_STEP_ID"] = "0", ["SLURM_NTASKS"] = "4" });
        Assert.That((launcher.Kind, launcher.Rank, launcher.Size, launcher.Job(null)), Is.EqualTo((LauncherKind.SlurmPmi2, 2, 4, "77.0")));
        Assert.That(launcher.MpiFamily, Is.EqualTo("mpich"));
    }

    [Test]
    public void Srun_with_PMIx_takes_the_size_from_Slurm()
    {
        var launcher = Of(new() { ["PMIX_RANK"] = "1", ["PMIX_NAMESPACE"] = "slurm.pmix.77.0", ["SLURM_STEP_ID"] = "0", ["SLURM_NTASKS"] = "9", ["SLURM_STEP_NUM_TASKS"] = "3" });
        Assert.That((launcher.Kind, launcher.Rank, launcher.Size), Is.EqualTo((LauncherKind.Pmix, 1, 3)));
        Assert.That(launcher.MpiFamily, Is.EqualTo("openmpi"));
    }

    [Test]
    public void Srun_without_a_PMI_is_one_of_many_but_starts_no_MPI()
    {
        var launcher = Of(new() { ["SLURM_STEP_ID"] = "0", ["SLURM_NTASKS"] = "4", ["SLURM_PROCID"] = "2", ["SLURM_JOB_ID"] = "77" });
        Assert.That((launcher.Kind, launcher.Rank, launcher.Size, launcher.Job(null)), Is.EqualTo((LauncherKind.SlurmWithoutPmi, 2, 4, "slurm-77.0")));
        Assert.That((launcher.StartsMpi, launcher.IsOneOfMany, launcher.MpiFamily), Is.EqualTo((false, true, (string?)null)));
    }

    [Test]
    public void A_batch_script_is_no_launcher()
    {
        // sbatch -n 4 runs the script once: SLURM_NTASKS without SLURM_STEP_ID.
        var launcher = Of(new() { ["SLURM_NTASKS"] = "4", ["SLURM_JOB_ID"] = "77", ["SLURM_PROCID"] = "0" });
        Assert.That((launcher.Kind, launcher.Size, launcher.IsOneOfMany, launcher.StartsMpi), Is.EqualTo((LauncherKind.None, (int?)null, false, false)));
        Assert.That(launcher.Describe(), Does.Contain("OMPI_COMM_WORLD_SIZE").And.Contain("PMIX_RANK").And.Contain("SLURM_STEP_ID"));
    }

    [Test]
    public void Open_MPI_inside_a_Slurm_step_is_Open_MPI()
    {
        // mpiexec in an allocation starts its daemons with srun: the ranks inherit the daemons' step.
        var launcher = Of(new() { ["OMPI_COMM_WORLD_RANK"] = "0", ["OMPI_COMM_WORLD_SIZE"] = "8", ["SLURM_STEP_ID"] = "1", ["SLURM_NTASKS"] = "2" });
        Assert.That((launcher.Kind, launcher.Size), Is.EqualTo((LauncherKind.OpenMpi, 8)));
    }

    [TestCase("")]
    [TestCase("x")]
    [TestCase("-1")]
    [TestCase("3.5")]
    public void A_count_that_is_not_a_whole_number_is_unknown(string size)
    {
        var launcher = Of(new() { ["OMPI_COMM_WORLD_SIZE"] = size, ["OMPI_COMM_WORLD_RANK"] = "0" });
        Assert.That((launcher.Kind, launcher.Size, launcher.IsOneOfMany), Is.EqualTo((LauncherKind.OpenMpi, (int?)null, false)));
    }
}
