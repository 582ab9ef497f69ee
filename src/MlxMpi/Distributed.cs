using MlxMpi.Collectives;
using MlxMpi.Diagnostics;
using MlxMpi.Interop;
using System.Runtime.CompilerServices;
using MlxMpi.Runtime;

namespace MlxMpi;

/// <summary>MLX's distributed API over MPI: initialise a world group and gather arrays across it.</summary>
public static partial class Distributed
{
    private static readonly object InitLock = new();
    private static Group? world;

    /// <summary>
    /// The MPI thread level <see cref="Init"/> asks for when it starts MPI (the environment variable
    /// MLXMPI_THREAD_LEVEL, if set, wins). Default <see cref="MpiThreadLevel.Single"/>: MlxMpi makes one MPI call at a
    /// time itself. Has no effect once MPI is initialised.
    /// </summary>
    public static MpiThreadLevel RequestedThreadLevel { get; set; } = MpiThreadLevel.Single;

    /// <summary>
    /// How long one collective may take on this rank before MlxMpi gives up on the job: a watchdog then writes a
    /// report to stderr (rank, host, pid, group, op, sequence number, shape, dtype, elapsed time, and the last 16
    /// collectives this rank completed) and calls MPI_Abort, so mpiexec ends every rank with a non-zero exit instead
    /// of the job hanging. <see cref="Timeout.InfiniteTimeSpan"/> (the default) turns it off: a legitimately slow
    /// collective (a huge gather, a rank that computes long before joining) must never kill a healthy job unasked.
    /// The environment variable MLXMPI_TIMEOUT (seconds) sets it at <see cref="Init"/> unless it was set before.
    /// </summary>
    public static TimeSpan CollectiveTimeout
    {
        get => CollectiveWatchdog.Timeout;
        set => CollectiveWatchdog.Timeout = value;
    }

    /// <summary>The thread level MPI provides, once <see cref="Init"/> has started or found MPI.</summary>
    public static MpiThreadLevel ProvidedThreadLevel => MpiRuntime.ProvidedThreadLevel;

    /// <summary>True when the MlxMpi shim and the MPI library it links can be loaded in this process.</summary>
    public static bool IsAvailable() => NativeLibraryResolver.TryLoad(out _);

    /// <summary>
    /// Returns the world group, starting MPI on the first call when this process was launched by an MPI launcher
    /// (mpiexec, srun) or MPI was already initialised by other code (then MlxMpi never finalizes it). Otherwise
    /// returns a singleton group (rank 0, size 1) without starting MPI, unless <paramref name="strict"/>, which
    /// throws a DistributedException saying why. Every call returns the same group.
    /// </summary>
    /// <param name="strict">Throw instead of falling back to a singleton group.</param>
    /// <param name="backend">"any" or "mpi"; both mean MPI, the only backend of MlxMpi.</param>
    public static Group Init(bool strict = false, string backend = "any")
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (backend is not ("any" or "mpi"))
            throw new ArgumentException($"unknown distributed backend \"{backend}\": MlxMpi supports \"any\" and \"mpi\"", nameof(backend));

        lock (InitLock)
        {
            if (world is { IsSingleton: false } || (world is not null && !strict))
                return world;
            MlxMpiSettings.Validate();
            var launcher = LauncherEnvironment.Current();
            var reason = WhyMpiCannotStart(launcher);
            if (LaunchCheck.BeforeStart(launcher, reason) is { } refused)
                throw refused;
            if (reason is null)
            {
                MpiNetGuard.ThrowIfMpiNetWouldBeLockedOut();
                lock (MpiRuntime.CallLock)
                {
                    var comm = MpiRuntime.StartAndCreateWorld(MpiRuntime.ResolveThreadLevel(RequestedThreadLevel));
                    if (LaunchCheck.AfterStart(launcher, MpiRuntime.WorldSize, NativeLibraryResolver.LoadedFlavor) is { } alone)
                    {
                        comm.Dispose();
                        throw alone;
                    }
                    // Created now, not at the first collective, so diagnostics tools see this rank from the start.
                    _ = MlxMpiEventSource.Log;
                    if (CollectiveTimeout == Timeout.InfiniteTimeSpan)
                        CollectiveWatchdog.ApplyEnvironment();
                    return world = Group.FromComm(comm, isWorld: true);
                }
            }
            if (strict)
                throw new DistributedException($"Cannot initialise the MPI backend: {reason.TrimEnd('.')}. " +
                                               "Launch the program with an MPI launcher, e.g. `mpiexec -n 4 dotnet app.dll`.");
            return world ??= Group.CreateSingleton(isWorld: true);
        }
    }

    /// <summary>
    /// Gathers <paramref name="x"/> from every rank of <paramref name="group"/> and concatenates the arrays along
    /// axis 0 in rank order (a 0-d input counts as shape [1]): the result has x's shape with dimension 0 multiplied
    /// by the group size. A group of size 1 returns x itself. Every rank must pass the same shape and dtype; beyond
    /// MLX, this is checked, and a disagreement throws CollectiveMismatchException on every rank with the same
    /// message. An invalid input on one rank (null, disposed) throws there and is reported to the other ranks,
    /// which throw CollectiveMismatchException. The group stays usable after either.
    /// </summary>
    /// <param name="x">The array this rank contributes; any layout (strided views are gathered by value).</param>
    /// <param name="group">The group; null means the world group from <see cref="Init"/>.</param>
    /// <param name="stream">Where the gather is ordered; null means the default stream of x's device.</param>
    [MethodImpl(HotPath.Optimized)]
    public static MlxArray AllGather(MlxArray x, Group? group = null, Stream? stream = null) =>
        CollectiveEntry.Run(group ?? Init(), x, stream, new AllGatherCall(x, null, stream, into: false));

    /// <summary>Gathers x as <see cref="AllGather(MlxArray, Group?, Stream?)"/>, ordered on the default stream of <paramref name="device"/>.</summary>
    public static MlxArray AllGather(MlxArray x, Group? group, Device device) =>
        AllGather(x, group, Stream.DefaultFor(device));

    /// <summary>
    /// Gathers <paramref name="x"/> as <see cref="AllGather(MlxArray, Group?, Stream?)"/> does, into the caller's
    /// <paramref name="output"/>, which must have exactly the result's shape and dtype, be contiguous, and not share
    /// memory with x. Reusing one output across calls avoids a fresh allocation (and its page faults) per gather. A
    /// wrong output on any rank throws ArgumentException there and CollectiveMismatchException on the others; no
    /// rank hangs and output is not written. For a group of one, x's values are copied into output.
    /// </summary>
    [MethodImpl(HotPath.Optimized)]
    public static void AllGatherInto(MlxArray x, MlxArray output, Group? group = null, Stream? stream = null) =>
        CollectiveEntry.RunInto(group ?? Init(), x, output, stream, new AllGatherCall(x, output, stream, into: true), gathered: true);

    /// <summary>
    /// Beyond MLX (as Horovod's allgather): gathers arrays whose dimension 0 may differ between ranks and
    /// concatenates them along axis 0 in rank order. Trailing dimensions and dtype must match on every rank, else
    /// CollectiveMismatchException on every rank naming the ranks that differ. A 0-d input counts as shape [1]; a
    /// rank may contribute 0 rows. The row counts travel in the header phase; the data moves in one MPI_Allgatherv.
    /// </summary>
    public static MlxArray AllGatherUneven(MlxArray x, Group? group = null, Stream? stream = null)
    {
        group ??= Init();
        if (group.Size == 1)
        {
            group.ThrowIfDisposed();
            return CallChecks.Input(x, stream) is { } failure ? throw failure : x.Ndim == 0 ? x.Reshape(1) : x;
        }
        var hostResult = CollectiveSkeleton.Run<AllGatherUnevenCall, MlxArray>(group, new AllGatherUnevenCall(x, stream));
        if (x.Device.Type == DeviceType.Cpu)
            return hostResult;
        // Gathered through the host: back to the input's device.
        using (hostResult)
            return hostResult.ToDevice(x.Device);
    }

    /// <summary>
    /// Starts <see cref="AllGather(MlxArray, Group?, Stream?)"/> and returns at once; the gather runs on MlxMpi's
    /// collective thread while the caller computes. Every collective a rank starts, sync or async, on any group and
    /// any stream, reaches MPI in the order it was started, so a rank may mix them freely as long as all ranks start
    /// the same collectives in the same order. x may be disposed once this returns: the gather keeps its own handle
    /// (on a group of one the result is a view of x's memory, not x itself, for the same reason).
    /// </summary>
    /// <param name="x">The array this rank contributes.</param>
    /// <param name="group">The group; null means the world group from <see cref="Init"/>.</param>
    /// <param name="stream">Where the gather is ordered; null means the default stream of x's device.</param>
    /// <param name="cancellationToken">
    /// Cancels the gather only while it waits for its turn: the task then ends cancelled at once, and when its turn
    /// comes this rank still takes part in the header phase to tell the other ranks, whose gathers throw
    /// CollectiveMismatchException instead of waiting forever. Once the collective has started it cannot be
    /// cancelled (MPI collectives cannot be abandoned half-way) and the token is ignored.
    /// </param>
    [MethodImpl(HotPath.Optimized)]
    public static Task<MlxArray> AllGatherAsync(MlxArray x, Group? group = null, Stream? stream = null,
                                                CancellationToken cancellationToken = default) =>
        CollectiveEntry.RunAsync(group ?? Init(), x, stream, 0,
                                 [MethodImpl(HotPath.Optimized)] static (input, s, _) => new AllGatherCall(input, null, s, into: false), cancellationToken);

    private static string? WhyMpiCannotStart(LauncherEnvironment launcher)
    {
        if (!NativeLibraryResolver.TryLoad(out var error))
            return error;
        if (!launcher.StartsMpi && !MpiRuntime.IsInitialized)
            return $"this process was not started by an MPI launcher ({launcher.Describe()})";
        return null;
    }
}
