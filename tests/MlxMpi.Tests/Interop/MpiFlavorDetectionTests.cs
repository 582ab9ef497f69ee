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

    // NUnit test methods are public, and MpiFlavor is internal: the cases name it by a bool.
    [TestCase("openmpi", false)]
    [TestCase("OpenMPI", false)]
    [TestCase("ompi", false)]
    [TestCase(" mpich ", true)]
    [TestCase("MPICH", true)]
    public void MLXMPI_MPI_overrides_the_launcher(string value, bool mpich)
    {
        var expected = mpich ? MpiFlavor.Mpich : MpiFlavor.OpenMpi;
        // The opposite launcher's variables and an MPI library already loaded: the explicit choice still wins.
        var other = expected == MpiFlavor.Mpich ? "OMPI_COMM_WORLD_SIZE" : "PMI_RANK";
        var maps = expected == MpiFlavor.Mpich ? "7f00-7f01 r-xp 0 08:01 1 /usr/lib/x86_64-linux-gnu/libmpi.so.40.30.4" : "/usr/lib/x86_64-linux-gnu/libmpich.so.12";
        var detected = Detect(new() { ["MLXMPI_MPI"] = value, [other] = "2" }, maps);
        Assert.That(detected?.Flavor, Is.EqualTo(expected));
        Assert.That(detected?.Reason, Does.StartWith("MLXMPI_MPI="));
    }

    [Test]
    public void An_unknown_MLXMPI_MPI_is_an_error_that_names_the_choices()
    {
        var error = Assert.Throws<DistributedException>(() => Detect(new() { ["MLXMPI_MPI"] = "mvapich" }));
        Assert.That(error!.Message, Does.Contain("MLXMPI_MPI=mvapich").And.Contain("openmpi").And.Contain("mpich"));
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
