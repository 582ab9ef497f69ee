// The one reader of launcher variables. MlxMpi compiles it in namespace MlxMpi.Runtime; mlxmpi-diag links this same
// file (MLXMPI_DIAG, namespace MlxMpi.Diag), so the library and the tool can never disagree on who started a rank.
// It depends on nothing but the BCL for that reason.
#if MLXMPI_DIAG
namespace MlxMpi.Diag;
#else
namespace MlxMpi.Runtime;
#endif

/// <summary>Who started a process, from the variables each launcher exports to its tasks.</summary>
internal enum LauncherKind
{
    /// <summary>No launcher variable: a plain <c>dotnet app.dll</c>.</summary>
    None,
    /// <summary>Open MPI's mpiexec / mpirun (OMPI_COMM_WORLD_*).</summary>
    OpenMpi,
    /// <summary>MPICH's mpiexec, Hydra (PMI_RANK, PMI_SIZE, PMI_FD, MPI_LOCALNRANKS, HYDI_*).</summary>
    Hydra,
    /// <summary>A PMIx server without Open MPI's own variables: <c>srun --mpi=pmix</c>, prterun (PMIX_RANK, PMIX_NAMESPACE).</summary>
    Pmix,
    /// <summary>Slurm's PMI-2 plugin, <c>srun --mpi=pmi2</c> (PMI_FD, PMI_JOBID, PMI_RANK, PMI_SIZE).</summary>
    SlurmPmi2,
    /// <summary>An srun step with no PMI at all (<c>srun --mpi=none</c>): MPI cannot connect its tasks.</summary>
    SlurmWithoutPmi,
}

/// <summary>
/// Reads what a launcher put in an environment (this process's, or another rank's for mlxmpi-diag): which launcher,
/// the task's rank and the number of tasks, and a job id. Launchers nest (Open MPI's and MPICH's mpiexec start their
/// daemons with srun inside a Slurm allocation, so their ranks inherit SLURM_*), so the most specific evidence wins:
/// Open MPI, then Hydra, then Slurm's PMI-2, then PMIx, then a bare srun step.
/// </summary>
internal sealed class LauncherEnvironment
{
    private static readonly string[] OpenMpiVariables = ["OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"];
    // Hydra exports PMI_FD, PMI_RANK, PMI_SIZE and its own MPI_LOCALNRANKS / HYDI_CONTROL_FD; Slurm's PMI-2 plugin
    // exports PMI_FD, PMI_RANK, PMI_SIZE and PMI_JOBID, which Hydra does not.
    private static readonly string[] HydraOnlyVariables = ["MPI_LOCALNRANKS", "HYDI_CONTROL_FD"];
    private static readonly string[] PmiVariables = ["PMI_RANK", "PMI_SIZE", "PMI_FD"];
    private static readonly string[] PmixVariables = ["PMIX_RANK", "PMIX_NAMESPACE"];
    // Open MPI gives every job a PMIx namespace (the same number as its ORTE job id); Slurm a job and a step id.
    private static readonly string[] JobVariables = ["PMIX_NAMESPACE", "OMPI_MCA_ess_base_jobid", "PMI_JOBID"];

    private readonly Func<string, string?> _variable;

    internal LauncherEnvironment(Func<string, string?> variable)
    {
        _variable = variable;
        (Kind, Evidence) = Classify();
        (Rank, Size) = Kind switch
        {
            LauncherKind.OpenMpi => (Int("OMPI_COMM_WORLD_RANK"), Int("OMPI_COMM_WORLD_SIZE")),
            LauncherKind.Hydra or LauncherKind.SlurmPmi2 => (Int("PMI_RANK"), Int("PMI_SIZE")),
            LauncherKind.Pmix => (Int("PMIX_RANK"), SlurmStepTasks()),
            LauncherKind.SlurmWithoutPmi => (Int("SLURM_PROCID"), SlurmStepTasks()),
            _ => ((int?)null, (int?)null),
        };
    }

    /// <summary>This process's environment, read now.</summary>
    internal static LauncherEnvironment Current() => new(Environment.GetEnvironmentVariable);

    /// <summary>Another process's environment (mlxmpi-diag reads it through the diagnostics port).</summary>
    internal static LauncherEnvironment Of(IReadOnlyDictionary<string, string> environment) =>
        new(name => environment.TryGetValue(name, out var value) ? value : null);

    internal LauncherKind Kind { get; }

    /// <summary>The variables that decided <see cref="Kind"/>, as NAME=value, for messages.</summary>
    internal string Evidence { get; }

    /// <summary>This task's rank among the launcher's tasks, when the launcher says.</summary>
    internal int? Rank { get; }

    /// <summary>How many tasks the launcher started, when it says (a PMIx server outside Slurm does not).</summary>
    internal int? Size { get; }

    /// <summary>A launcher is present that an MPI library can connect to, so MPI_Init will find the other tasks.</summary>
    internal bool StartsMpi => Kind is not (LauncherKind.None or LauncherKind.SlurmWithoutPmi);

    /// <summary>The launcher said this process is one of more than one task: a world of one would be wrong.</summary>
    internal bool IsOneOfMany => Size > 1;

    /// <summary>Which MPI the launcher belongs to: "openmpi", "mpich", or null when it does not say.</summary>
    internal string? MpiFamily => Kind switch
    {
        // PMIx: Open MPI 4 speaks only PMIx; Debian's MPICH 4 speaks only PMI-1/PMI-2.
        LauncherKind.OpenMpi or LauncherKind.Pmix => "openmpi",
        LauncherKind.Hydra or LauncherKind.SlurmPmi2 => "mpich",
        _ => null,
    };

    /// <summary>The launcher in words, with its evidence: "Open MPI's mpiexec (OMPI_COMM_WORLD_SIZE=4)".</summary>
    internal string Describe() => Kind switch
    {
        LauncherKind.OpenMpi => $"Open MPI's mpiexec ({Evidence})",
        LauncherKind.Hydra => $"MPICH's mpiexec, Hydra ({Evidence})",
        LauncherKind.Pmix => $"a PMIx launcher such as `srun --mpi=pmix` ({Evidence})",
        LauncherKind.SlurmPmi2 => $"Slurm's `srun --mpi=pmi2` ({Evidence})",
        LauncherKind.SlurmWithoutPmi => $"Slurm's srun without an MPI plugin, as `srun --mpi=none` ({Evidence})",
        _ => $"no launcher: none of {string.Join(", ", [.. OpenMpiVariables, .. HydraOnlyVariables, .. PmiVariables, .. PmixVariables, "SLURM_STEP_ID"])} is set",
    };

    /// <summary>The job id, or for Hydra (which exports none) the launcher process that started the rank on this
    /// node, hydra_pmi_proxy: one per job and node, so still one id per job here.</summary>
    internal string? Job(int? parentPid)
    {
        foreach (var name in JobVariables)
        {
            if (Text(name) is { } value)
                return value;
        }
        if (Kind == LauncherKind.SlurmWithoutPmi && Text("SLURM_JOB_ID") is { } job)
            return $"slurm-{job}.{Text("SLURM_STEP_ID")}";
        return parentPid is { } parent ? $"ppid-{parent}" : null;
    }

    private (LauncherKind, string) Classify()
    {
        if (FirstSet(OpenMpiVariables) is { } openMpi)
            return (LauncherKind.OpenMpi, openMpi);
        if (FirstSet(HydraOnlyVariables) is { } hydra)
            return (LauncherKind.Hydra, hydra);
        if (FirstSet(PmiVariables) is { } pmi)
            return Text("PMI_JOBID") is { } jobId ? (LauncherKind.SlurmPmi2, $"PMI_JOBID={jobId}, {pmi}") : (LauncherKind.Hydra, pmi);
        if (FirstSet(PmixVariables) is { } pmix)
            return (LauncherKind.Pmix, Text("SLURM_STEP_ID") is null ? pmix : $"{pmix}, {SlurmTasksEvidence()}");
        // SLURM_STEP_ID is set in the tasks of an srun step only, not in a batch script (which runs once).
        if (Text("SLURM_STEP_ID") is { } step)
            return (LauncherKind.SlurmWithoutPmi, $"SLURM_STEP_ID={step}, {SlurmTasksEvidence()}");
        return (LauncherKind.None, "");
    }

    private int? SlurmStepTasks() =>
        Text("SLURM_STEP_ID") is null ? null : Int("SLURM_STEP_NUM_TASKS") ?? Int("SLURM_NTASKS");

    private string SlurmTasksEvidence() =>
        Text("SLURM_STEP_NUM_TASKS") is { } step ? $"SLURM_STEP_NUM_TASKS={step}" :
        Text("SLURM_NTASKS") is { } tasks ? $"SLURM_NTASKS={tasks}" : "no SLURM_NTASKS";

    private string? FirstSet(string[] names)
    {
        foreach (var name in names)
        {
            if (Text(name) is { } value)
                return $"{name}={value}";
        }
        return null;
    }

    private string? Text(string name) => _variable(name) is { Length: > 0 } value ? value : null;

    private int? Int(string name) =>
        int.TryParse(Text(name), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;
}
