using MlxMpi.Interop;

namespace MlxMpi;

/// <summary>
/// The process-wide MPI state: whether MlxMpi started MPI (and so must finalize it), the thread level in force,
/// and the lock that keeps MlxMpi's MPI calls on one thread at a time.
/// </summary>
internal static unsafe class MpiRuntime
{
    /// <summary>Held around every MPI call MlxMpi makes, so any thread level from SINGLE up is respected.</summary>
    internal static readonly Lock CallLock = new(); // System.Threading.Lock: ~30% cheaper to take than a Monitor here

    internal static MpiThreadLevel ProvidedThreadLevel { get; private set; }

    internal static bool InitializedByMlxMpi { get; private set; }

    /// <summary>This process's rank and size in MPI_COMM_WORLD once MPI is up (0 and 1 before, or without MPI).</summary>
    internal static int WorldRank { get; private set; }

    internal static int WorldSize { get; private set; } = 1;

    internal static bool IsInitialized
    {
        get
        {
            lock (CallLock)
                return NativeMethods.mlxmpi_is_initialized() == 1;
        }
    }

    /// <summary>Initialises MPI unless some other code in the process already did, and creates the world communicator.</summary>
    internal static CommHandle StartAndCreateWorld(MpiThreadLevel requested)
    {
        lock (CallLock)
        {
            mlxmpi_init_info info;
            NativeStatus.Check(NativeMethods.mlxmpi_init((int)requested, &info));
            ProvidedThreadLevel = (MpiThreadLevel)info.provided_thread_level;
            if (info.initialized_by_shim == 1 && !InitializedByMlxMpi)
            {
                InitializedByMlxMpi = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => FinalizeAtExit();
            }
            mlxmpi_comm* world;
            NativeStatus.Check(NativeMethods.mlxmpi_comm_world(&world));
            int rank, size;
            NativeStatus.Check(NativeMethods.mlxmpi_comm_rank(world, &rank));
            NativeStatus.Check(NativeMethods.mlxmpi_comm_size(world, &size));
            (WorldRank, WorldSize) = (rank, size);
            return CommHandle.FromNative(world);
        }
    }

    /// <summary>The level to request: MLXMPI_THREAD_LEVEL when set, else the configured one.</summary>
    internal static MpiThreadLevel ResolveThreadLevel(MpiThreadLevel configured) =>
        Runtime.MlxMpiSettings.ThreadLevel(Environment.GetEnvironmentVariable) ?? configured;

    internal static string LibraryVersion()
    {
        lock (CallLock)
            return NativeStatus.ReadString(&NativeMethods.mlxmpi_library_version).Trim();
    }

    /// <summary>How long process exit waits for collectives still queued or running before it aborts the job.</summary>
    internal static readonly TimeSpan ExitDrainLimit = TimeSpan.FromSeconds(10);

    private static void FinalizeAtExit()
    {
        // A rank leaving with an error (Environment.Exit(non-zero)) may leave the others inside a collective;
        // MPI_Finalize would then wait for them forever (Open MPI's finalize synchronises), so it ends the job instead,
        // as mpiexec would once it noticed. The lock is not taken: a collective on another thread may hold it for good.
        // A watchdog that fired ends the job non-zero even when the late collective completed and Main returned 0.
        if (Diagnostics.CollectiveWatchdog.EndJobIfFired())
            return;
        if (Environment.ExitCode != 0)
        {
            AbortJob($"is exiting with code {Environment.ExitCode}; ending the job with MPI_Abort({Environment.ExitCode}) " +
                     "so the other ranks do not wait for it", Environment.ExitCode);
            return;
        }
        // Collectives started but not finished (async ones the program never awaited) run to completion first:
        // every rank queued them, so they complete on every rank and MPI_Finalize then meets no rank still inside
        // one. If they cannot finish in time (the ranks did not queue the same ones), the job is aborted, non-zero,
        // instead of hanging in MPI_Finalize.
        if (!Collectives.CollectiveQueue.WaitUntilIdle(ExitDrainLimit, out var pending))
        {
            AbortJob($"is exiting with {pending} collective(s) still queued or running after {ExitDrainLimit.TotalSeconds:F0} s " +
                     "(the other ranks did not start the same ones); aborting the job", 1);
            return;
        }
        // Only what MlxMpi initialised, once; the shim itself refuses a second MPI_Finalize.
        lock (CallLock)
            NativeMethods.mlxmpi_finalize();
    }

    /// <summary>Writes "MlxMpi: rank R {why}" to stderr and ends the job with MPI_Abort(code); mlxmpi_abort lets the
    /// launcher read the line first.</summary>
    private static void AbortJob(string why, int code)
    {
        Console.Error.WriteLine($"MlxMpi: rank {WorldRank} {why}");
        Console.Error.Flush();
        NativeMethods.mlxmpi_abort(null, code);
    }
}
