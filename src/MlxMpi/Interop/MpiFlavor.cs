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
/// process. The evidence, strongest first: MLXMPI_MPI (an explicit choice), an MPI library already mapped into the
/// process (other code initialised MPI), then the launcher's environment variables.
/// </summary>
internal static class MpiFlavorDetection
{
    internal const string OverrideVariable = "MLXMPI_MPI";

    /// <summary>The flavour and the reason it was chosen, or null when nothing says (no launcher: any shim will do).</summary>
    /// <exception cref="DistributedException">MLXMPI_MPI names no known flavour.</exception>
    internal static (MpiFlavor Flavor, string Reason)? Detect() =>
        Detect(Environment.GetEnvironmentVariable, ReadOwnMaps);

    internal static (MpiFlavor Flavor, string Reason)? Detect(Func<string, string?> environment, Func<string?> mappedFiles)
    {
        var chosen = environment(OverrideVariable);
        if (!string.IsNullOrWhiteSpace(chosen))
        {
            return chosen.Trim().ToLowerInvariant() switch
            {
                "openmpi" or "open-mpi" or "ompi" => (MpiFlavor.OpenMpi, $"{OverrideVariable}={chosen}"),
                "mpich" => (MpiFlavor.Mpich, $"{OverrideVariable}={chosen}"),
                _ => throw new DistributedException($"{OverrideVariable}={chosen} is not one of openmpi, mpich"),
            };
        }

        // Sonames: Open MPI's libmpi.so.40, MPICH's libmpich.so.12 (Debian also installs it as libmpi.so.12).
        var maps = mappedFiles();
        if (maps is not null)
        {
            if (maps.Contains("/libmpi.so.40", StringComparison.Ordinal))
                return (MpiFlavor.OpenMpi, "Open MPI's libmpi.so.40 is already loaded in this process");
            if (maps.Contains("/libmpich.so.", StringComparison.Ordinal) || maps.Contains("/libmpi.so.12", StringComparison.Ordinal))
                return (MpiFlavor.Mpich, "MPICH's libmpich is already loaded in this process");
        }

        foreach (var name in (ReadOnlySpan<string>)["OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"])
        {
            if (!string.IsNullOrEmpty(environment(name)))
                return (MpiFlavor.OpenMpi, $"{name} is set (Open MPI's mpiexec)");
        }
        // Hydra (MPICH's mpiexec) sets these; Open MPI 4 sets none of them (it uses OMPI_* and PMIX_*).
        foreach (var name in (ReadOnlySpan<string>)["PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS", "HYDI_CONTROL_FD"])
        {
            if (!string.IsNullOrEmpty(environment(name)))
                return (MpiFlavor.Mpich, $"{name} is set (MPICH's Hydra)");
        }
        return null;
    }

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
