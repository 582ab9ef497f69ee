using MlxMpi.Interop;

namespace MlxMpi.Tests.Interop;

/// <summary>Which shim the resolver picks, from a fake environment and a fake /proc/self/maps (no MPI needed).</summary>
public sealed class MpiFlavorDetectionTests
{
    private static (MpiFlavor Flavor, string Reason)? Detect(Dictionary<string, string> environment, string? maps = "") =>
        MpiFlavorDetection.Detect(name => environment.GetValueOrDefault(name), () => maps);

    [Test]
    public void Open_MPIs_mpiexec_means_the_Open_MPI_shim()
    {
        var detected = Detect(new() { ["OMPI_COMM_WORLD_SIZE"] = "4", ["OMPI_COMM_WORLD_RANK"] = "1", ["PMIX_RANK"] = "1" });
        Assert.That(detected?.Flavor, Is.EqualTo(MpiFlavor.OpenMpi));
        Assert.That(detected?.Reason, Does.Contain("OMPI_COMM_WORLD_SIZE"));
    }

    [TestCase("PMI_RANK")]
    [TestCase("PMI_SIZE")]
    [TestCase("MPI_LOCALNRANKS")]
    [TestCase("HYDI_CONTROL_FD")]
    public void Hydras_variables_mean_the_MPICH_shim(string variable)
    {
        var detected = Detect(new() { [variable] = "3" });
        Assert.That(detected?.Flavor, Is.EqualTo(MpiFlavor.Mpich));
        Assert.That(detected?.Reason, Does.Contain(variable));
    }

    [Test]
    public void A_PMIx_launcher_means_the_Open_MPI_shim()
    {
        // srun --mpi=pmix: Open MPI 4 speaks PMIx; Debian's MPICH 4 does not.
        var detected = Detect(new() { ["PMIX_RANK"] = "1", ["PMIX_NAMESPACE"] = "slurm.pmix.7.0", ["SLURM_STEP_ID"] = "0", ["SLURM_NTASKS"] = "4" });
        Assert.That(detected?.Flavor, Is.EqualTo(MpiFlavor.OpenMpi));
        Assert.That(detected?.Reason, Does.Contain("PMIX_RANK=1"));
    }

    [Test]
    public void Slurms_PMI2_means_the_MPICH_shim()
    {
        var detected = Detect(new() { ["PMI_FD"] = "9", ["PMI_JOBID"] = "7.0", ["PMI_RANK"] = "2", ["PMI_SIZE"] = "4", ["SLURM_STEP_ID"] = "0" });
        Assert.That(detected?.Flavor, Is.EqualTo(MpiFlavor.Mpich));
        Assert.That(detected?.Reason, Does.Contain("srun --mpi=pmi2").And.Contain("PMI_JOBID=7.0"));
    }

    [Test]
    public void Srun_without_a_PMI_says_nothing_about_the_flavour()
    {
        Assert.That(Detect(new() { ["SLURM_STEP_ID"] = "0", ["SLURM_NTASKS"] = "4", ["SLURM_PROCID"] = "3" }), Is.Null);
    }

    // NUnit test methods are public, and MpiFlavor is internal: the cases name it by a bool.
    [TestCase("openmpi", false)]
    [TestCase("OpenMPI", false)]
    [TestCase("ompi", false)]
    [TestCase(" mpich ", true)]
    [TestCase("MPICH", true)]
    public void MLXMPI_MPI_chooses_when_nothing_else_says(string value, bool mpich)
    {
        var detected = Detect(new() { ["MLXMPI_MPI"] = value });
        Assert.That(detected?.Flavor, Is.EqualTo(mpich ? MpiFlavor.Mpich : MpiFlavor.OpenMpi));
        Assert.That(detected?.Reason, Does.StartWith("MLXMPI_MPI="));
    }

    [TestCase("mpich", "OMPI_COMM_WORLD_SIZE", "Open MPI's mpiexec")]
    [TestCase("mpich", "PMIX_RANK", "PMIx")]
    [TestCase("openmpi", "PMI_RANK", "Hydra")]
    [TestCase("openmpi", "MPI_LOCALNRANKS", "Hydra")]
    public void MLXMPI_MPI_against_the_launcher_is_an_error_that_says_what_to_unset(string value, string launcherVariable, string launcher)
    {
        var error = Assert.Throws<DistributedException>(() => Detect(new() { ["MLXMPI_MPI"] = value, [launcherVariable] = "2" }));
        Assert.That(error!.Message, Does.Contain($"MLXMPI_MPI={value}").And.Contain(launcher).And.Contain("world of one").And.Contain("Unset MLXMPI_MPI"));
    }

    [TestCase("mpich", "/usr/lib/x86_64-linux-gnu/openmpi/lib/libmpi.so.40.30.4", "Open MPI's libmpi.so.40")]
    [TestCase("openmpi", "/usr/lib/x86_64-linux-gnu/libmpich.so.12.2.2", "MPICH's libmpich")]
    public void MLXMPI_MPI_against_an_MPI_already_loaded_is_an_error(string value, string mapped, string loaded)
    {
        var error = Assert.Throws<DistributedException>(() => Detect(new() { ["MLXMPI_MPI"] = value }, $"7f00-7f01 r-xp 0 08:01 1 {mapped}\n"));
        Assert.That(error!.Message, Does.Contain($"MLXMPI_MPI={value}").And.Contain(loaded).And.Contain("two MPI libraries").And.Contain("Unset MLXMPI_MPI"));
    }

    [Test]
    public void MLXMPI_MPI_that_agrees_with_the_launcher_is_taken()
    {
        var detected = Detect(new() { ["MLXMPI_MPI"] = "mpich", ["PMI_RANK"] = "1", ["PMI_SIZE"] = "2" });
        Assert.That(detected?.Flavor, Is.EqualTo(MpiFlavor.Mpich));
    }

    [Test]
    public void An_unknown_MLXMPI_MPI_is_an_error_that_names_the_choices()
    {
        var error = Assert.Throws<DistributedException>(() => Detect(new() { ["MLXMPI_MPI"] = "mvapich" }));
        Assert.That(error!.Message, Does.Contain("MLXMPI_MPI=\"mvapich\"").And.Contain("openmpi").And.Contain("mpich"));
    }

    [TestCase("/usr/lib/x86_64-linux-gnu/openmpi/lib/libmpi.so.40.30.4", false)]
    [TestCase("/usr/lib/x86_64-linux-gnu/libmpich.so.12.2.2", true)]
    public void An_MPI_library_already_in_the_process_decides_before_the_launcher(string mapped, bool mpich)
    {
        var expected = mpich ? MpiFlavor.Mpich : MpiFlavor.OpenMpi;
        var launcher = expected == MpiFlavor.Mpich ? "OMPI_COMM_WORLD_SIZE" : "PMI_RANK";
        var detected = Detect(new() { [launcher] = "2" }, $"7f00-7f01 r-xp 00000000 08:01 42 {mapped}\n");
        Assert.That(detected?.Flavor, Is.EqualTo(expected));
        Assert.That(detected?.Reason, Does.Contain("already loaded"));
    }

    [Test]
    public void No_launcher_and_no_MPI_loaded_leaves_the_choice_open()
    {
        Assert.That(Detect(new()), Is.Null);
        Assert.That(Detect(new(), maps: null), Is.Null);
    }

    [Test]
    public void Each_flavour_has_its_own_shim_file()
    {
        Assert.That(MpiFlavorDetection.FileNameOf(MpiFlavor.OpenMpi), Is.EqualTo("libmlxmpi.so"));
        Assert.That(MpiFlavorDetection.FileNameOf(MpiFlavor.Mpich), Is.EqualTo("libmlxmpi.mpich.so"));
    }
}
