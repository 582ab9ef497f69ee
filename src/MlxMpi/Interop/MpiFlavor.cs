using MlxMpi.Runtime;

namespace MlxMpi.Interop;

/// <summary>The MPI implementations MlxMpi ships a shim for. Their ABIs differ, so each has its own shim file.</summary>
internal enum MpiFlavor
{
    OpenMpi,
    Mpich,
}

/// <summary>
/// Which MPI this process belongs to, so the resolver loads the shim built against it: loading the Open MPI shim in
/// a job that MPICH's Hydra launched would give every rank a world of its own, or worse, two MPI libraries in one
/// process. The evidence: an MPI library already mapped into the process (other code initialised MPI), then the
/// launcher (<see cref="LauncherEnvironment"/>: Open MPI's mpiexec or a PMIx server mean Open MPI; Hydra or Slurm's
/// PMI-2 mean MPICH). MLXMPI_MPI chooses by hand, but only where it agrees with that evidence: forced against the
/// launcher, every task would be a world of one; against a loaded library, two MPIs would share the process.
/// </summary>
internal static class MpiFlavorDetection
{
    internal const string OverrideVariable = MlxMpiSettings.MpiVariable;

    /// <summary>The flavour and the reason it was chosen, or null when nothing says (no launcher: any shim will do).</summary>
    /// <exception cref="DistributedException">MLXMPI_MPI is malformed or contradicts the evidence.</exception>
    internal static (MpiFlavor Flavor, string Reason)? Detect() =>
        Detect(Environment.GetEnvironmentVariable, ReadOwnMaps);

    internal static (MpiFlavor Flavor, string Reason)? Detect(Func<string, string?> environment, Func<string?> mappedFiles)
    {
        var chosen = MlxMpiSettings.Mpi(environment);
        var loaded = LoadedFlavor(mappedFiles());
        var launcher = new LauncherEnvironment(environment);
        (MpiFlavor Flavor, string Reason)? launched = launcher.MpiFamily switch
        {
            "openmpi" => (MpiFlavor.OpenMpi, $"this process was started by {launcher.Describe()}"),
            "mpich" => (MpiFlavor.Mpich, $"this process was started by {launcher.Describe()}"),
            _ => null,
        };

        if (chosen is { } forced)
        {
            var setting = $"{OverrideVariable}={environment(OverrideVariable)}";
            if (loaded is { } l && l.Flavor != forced)
            {
                throw new DistributedException($"{setting} asks for the {Describe(forced)} shim, but {l.Reason}: loading {Describe(forced)} too " +
                                               $"would put two MPI libraries in one process. Unset {OverrideVariable} (or set it to {Name(l.Flavor)}).");
            }
            if (launched is { } a && a.Flavor != forced)
            {
                throw new DistributedException($"{setting} asks for the {Describe(forced)} shim, but {a.Reason}, whose tasks {Describe(forced)} " +
                                               $"cannot join: every task would run as a world of one. Unset {OverrideVariable} (or set it to " +
                                               $"{Name(a.Flavor)}), or launch with {LauncherFor(forced)}.");
            }
            return (forced, setting);
        }
        return loaded ?? launched;
    }

    private static (MpiFlavor Flavor, string Reason)? LoadedFlavor(string? maps)
    {
        // Sonames: Open MPI's libmpi.so.40, MPICH's libmpich.so.12 (Debian also installs it as libmpi.so.12).
        if (maps is null)
            return null;
        if (maps.Contains("/libmpi.so.40", StringComparison.Ordinal))
            return (MpiFlavor.OpenMpi, "Open MPI's libmpi.so.40 is already loaded in this process");
        if (maps.Contains("/libmpich.so.", StringComparison.Ordinal) || maps.Contains("/libmpi.so.12", StringComparison.Ordinal))
            return (MpiFlavor.Mpich, "MPICH's libmpich is already loaded in this process");
        return null;
    }

    internal static string Describe(MpiFlavor flavor) => flavor == MpiFlavor.Mpich ? "MPICH" : "Open MPI";

    private static string Name(MpiFlavor flavor) => flavor == MpiFlavor.Mpich ? "mpich" : "openmpi";

    /// <summary>How to launch tasks that a flavour's MPI_Init can connect.</summary>
    internal static string LauncherFor(MpiFlavor flavor) =>
        flavor == MpiFlavor.Mpich ? "`mpiexec.mpich` or `srun --mpi=pmi2`" : "Open MPI's `mpiexec` or `srun --mpi=pmix`";

    /// <summary>The shim's file name for a flavour: Open MPI keeps the plain name.</summary>
    internal static string FileNameOf(MpiFlavor flavor) =>
        flavor == MpiFlavor.Mpich ? "libmlxmpi.mpich.so" : "libmlxmpi.so";

    /// <summary>What to install for a flavour's MPI library, for error messages.</summary>
    internal static string InstallHint(MpiFlavor flavor) =>
        flavor == MpiFlavor.Mpich ? "Debian: apt-get install mpich libmpich-dev" : "Debian: apt-get install openmpi-bin libopenmpi-dev";

    private static string? ReadOwnMaps()
    {
        try
        {
            return File.ReadAllText("/proc/self/maps");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }
}
