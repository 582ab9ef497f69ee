using MlxMpi.Tests.Mpi;

namespace MlxMpi.Tests.Launchers;

/// <summary>
/// A job built on MPI.NET 1.4.0 under MPICH (tests/MlxMpi.MpiNetWorker): MPI.NET initialises MPI, MlxMpi shares it,
/// adopts a communicator MPI.NET split (Group.FromNative) and gathers on it exactly what MPI.NET's own Allgather
/// gives, catches a mismatch on it on every rank, leaves the error handlers of MPI.NET's communicators alone, hands
/// its communicator back (Group.NativeHandle, MPI.Communicator.Adopt), and the job ends with MPI.NET finalizing.
/// One 4-rank launch serves the checks; the wrong orders get a launch of their own.
/// </summary>
[Category("Mpi")]
[Category("MpiNet")]
[NonParallelizable]
public sealed class MpiNetInteropTests
{
    private const int Ranks = 4;
    private static WorkerRun? shared;

    private static readonly string[] SharedChecks =
    [
        "mpinet_world", "mlx_shares_world", "adopted_rank_size", "adopted_is_a_duplicate", "gather_equals_mpinet_double",
        "gather_equals_mpinet_int", "mismatch_caught_on_adopted", "adopted_usable_after_mismatch",
        "mpinet_split_keeps_errhandler", "mpinet_adopts_native_handle", "gather_after_mpinet_used_handle", "mpinet_finalized",
    ];

    [Test]
    public void MlxMpi_shares_MPI_NETs_MPI_and_gathers_on_its_communicators()
    {
        var run = Shared();
        foreach (var check in SharedChecks)
            run.AssertScenarioPassed(check, Ranks);
        Assert.That(run.TimedOut, Is.False, () => $"the job hung\n{run.Describe()}");
    }

    /// <summary>Fails until MlxMpi stops setting MPI_ERRORS_RETURN on a host's MPI_COMM_WORLD (issue 12, item 6).</summary>
    [Test]
    public void MPI_NETs_world_keeps_its_error_handler_and_the_job_exits_cleanly()
    {
        var run = Shared();
        run.AssertScenarioPassed("mpinet_world_keeps_errhandler", Ranks);
        run.AssertExitedCleanly();
    }

    [Test]
    public void MlxMpi_before_MPI_NET_fails_saying_to_create_MPI_Environment_first()
    {
        var run = Launch.Command(Mpiexec(), ["-n", "2", Launch.Dotnet, WorkerDll, "wrong-order"], TimeSpan.FromSeconds(120), Environment());
        run.AssertScenarioPassed("from_native_before_mpi", 2);
        run.AssertScenarioPassed("mlx_init_before_mpinet", 2);
        run.AssertExitedCleanly();
    }

    private static WorkerRun Shared()
    {
        if (shared is not null)
            return shared;
        var seed = Launch.NewSeed();
        return shared = Launch.Command(Mpiexec(), ["-n", $"{Ranks}", Launch.Dotnet, WorkerDll, "shared", "--seed", Launch.Seed(seed)],
            MpiLauncher.TimeoutFor(Ranks), Environment(), seed);
    }

    private static string Mpiexec() => Launch.Require("mpiexec.mpich", "mpich libmpich-dev");

    // MPICH runs over UCX here, whose SIGSEGV handler would turn .NET's null-reference handling into a crash.
    private static Dictionary<string, string> Environment() => new() { ["UCX_HANDLE_ERRORS"] = "none" };

    /// <summary>Built beside the MPI worker (ProjectReference), in the same configuration and framework.</summary>
    internal static string WorkerDll
    {
        get
        {
            var worker = MpiLauncher.WorkerDll;
            var path = worker.Replace("MlxMpi.MpiWorker", "MlxMpi.MpiNetWorker", StringComparison.Ordinal);
            return File.Exists(path) ? path : throw new FileNotFoundException($"the MPI.NET worker is not built: {path}");
        }
    }
}
