using MlxMpi.Interop;

namespace MlxMpi.Runtime;

/// <summary>
/// A process that a launcher started as one of N &gt; 1 tasks must never carry on as a world of one, whatever
/// Init's strict says: N copies of the program would each do all the work alone, and the job would "succeed". These
/// checks turn each way that happens into a DistributedException that names the cause and the fix. They run on every
/// task, and every task sees the same environment, so every rank throws.
/// </summary>
internal static class LaunchCheck
{
    /// <summary>Before MPI starts: the failure to throw, or null when Init may go on (start MPI, or be a singleton).</summary>
    /// <param name="launcher">Who started this process.</param>
    /// <param name="whyMpiCannotStart">Why the shim or its MPI library cannot load, or null when they can.</param>
    internal static DistributedException? BeforeStart(LauncherEnvironment launcher, string? whyMpiCannotStart)
    {
        if (!launcher.IsOneOfMany)
            return null;
        var task = $"this process is task {launcher.Rank?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} of {launcher.Size} " +
                   $"started by {launcher.Describe()}";
        if (launcher.Kind == LauncherKind.SlurmWithoutPmi)
        {
            return new DistributedException(
                $"MlxMpi cannot form the world: {task}, but srun gave the tasks no PMI to find each other, so MPI_Init would " +
                "make each of them a world of one. Launch with `srun --mpi=pmix` for Open MPI, or `srun --mpi=pmi2` for " +
                "MPICH (or set MpiDefault in slurm.conf); `srun --mpi=list` shows the plugins.");
        }
        if (whyMpiCannotStart is not null)
        {
            return new DistributedException(
                $"MlxMpi cannot form the world: {task}, but MPI cannot be used here, and carrying on as a world of one would " +
                $"run {launcher.Size} copies of the program alone. {whyMpiCannotStart.TrimEnd('.')}.");
        }
        return null;
    }

    /// <summary>After MPI_Init: MPI gave a world of one although the launcher started more tasks. The MPI library
    /// that was loaded does not speak the launcher's protocol (PMIx, PMI-2, Hydra's PMI), so its MPI_Init fell back to
    /// a singleton.</summary>
    internal static DistributedException? AfterStart(LauncherEnvironment launcher, int worldSize, MpiFlavor? loaded)
    {
        if (!launcher.IsOneOfMany || worldSize != 1)
            return null;
        var library = loaded is { } flavor ? MpiFlavorDetection.Describe(flavor) : "the MPI library loaded";
        var fix = loaded is { } f
            ? $"launch with {MpiFlavorDetection.LauncherFor(f)}, the launchers {library} can join"
            : "launch with the mpiexec of the MPI library in use";
        return new DistributedException(
            $"MlxMpi cannot form the world: {launcher.Describe()} started {launcher.Size} tasks, but MPI_Init under {library} " +
            $"gave this process a world of 1 (it cannot reach this launcher). To fix it, {fix}; if {MlxMpiSettings.MpiVariable} " +
            "is set, unset it.");
    }
}
