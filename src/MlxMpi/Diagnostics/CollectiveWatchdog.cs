using System.Diagnostics;
using System.Text;
using MlxMpi.Interop;
using MlxMpi.Runtime;

namespace MlxMpi.Diagnostics;

/// <summary>
/// Ends a job whose collective on this rank has run longer than <see cref="Timeout"/>: writes a report of where this
/// rank is (and the last collectives it completed) to stderr, then calls MPI_Abort so that mpiexec stops every rank
/// with a non-zero exit, instead of the whole job hanging with no clue which rank is at fault.
/// </summary>
internal static unsafe class CollectiveWatchdog
{
    internal const string TimeoutVariable = MlxMpiSettings.TimeoutVariable;
    internal const int AbortExitCode = 124; // as timeout(1)

    private static readonly object Gate = new();
    private static Timer? timer;
    private static TimeSpan timeout = System.Threading.Timeout.InfiniteTimeSpan;
    private static int fired;
    private static int aborting;

    internal static TimeSpan Timeout
    {
        get
        {
            lock (Gate)
                return timeout;
        }
        set
        {
            if (value != System.Threading.Timeout.InfiniteTimeSpan && value <= TimeSpan.Zero)
                throw new ArgumentOutOfRangeException(nameof(value), value, "a collective timeout must be positive, or Timeout.InfiniteTimeSpan for none");
            lock (Gate)
            {
                timeout = value;
                FlightRecorder.TimedForWatchdog = value != System.Threading.Timeout.InfiniteTimeSpan;
                timer?.Dispose();
                timer = null;
                if (value == System.Threading.Timeout.InfiniteTimeSpan)
                    return;
                // Check a few times per timeout, but at least once a second, so the job ends soon after the limit.
                var period = TimeSpan.FromTicks(Math.Clamp(value.Ticks / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
                timer = new Timer(static _ => Check(), null, period, period);
            }
        }
    }

    /// <summary>Applies MLXMPI_TIMEOUT (seconds), if set; called when the world is initialised.</summary>
    internal static void ApplyEnvironment()
    {
        if (MlxMpiSettings.Timeout(Environment.GetEnvironmentVariable) is { } limit)
            Timeout = limit;
    }

    private static void Check()
    {
        var limit = Timeout;
        if (limit == System.Threading.Timeout.InfiniteTimeSpan || !FlightRecorder.TryGetCurrent(out var record))
            return;
        var elapsed = FlightRecorder.ElapsedOf(record, Stopwatch.GetTimestamp());
        if (elapsed <= limit || Interlocked.Exchange(ref fired, 1) != 0)
            return;
        // From here the job ends non-zero, even if the late collective completes during the pause below and the
        // program returns from Main: the process-exit path asks EndJobIfFired before it would finalize.
        Environment.ExitCode = AbortExitCode;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => EndJobIfFired();
        // One write: reports of several ranks share mpiexec's stderr and must not interleave mid-line. Written to
        // the file descriptor itself: Console's streams would first initialise the terminal (see RawStandardStreams).
        var bytes = Encoding.UTF8.GetBytes(Report(record, elapsed, limit));
        using (var stderr = RawStandardStreams.OpenError())
            stderr.Write(bytes, 0, bytes.Length);
        // MPICH's launcher drops what an aborting process wrote last unless it had time to forward it.
        Thread.Sleep(500);
        EndJob();
    }

    /// <summary>Once the watchdog has fired, ends the job with MPI_Abort and does not return; otherwise returns false.
    /// Called at process exit, where the collective that timed out may have completed after all.</summary>
    internal static bool EndJobIfFired()
    {
        if (Volatile.Read(ref fired) == 0)
            return false;
        EndJob();
        return true;
    }

    private static void EndJob()
    {
        // The first caller aborts; any other (the process-exit path, the watchdog's own thread) waits to be ended.
        if (Interlocked.Exchange(ref aborting, 1) != 0)
            Thread.Sleep(System.Threading.Timeout.Infinite);
        // The MPI lock is held by the hung collective, so this call does not take it: MPI_Abort is the one call
        // meant to be made while the process is otherwise stuck.
        NativeMethods.mlxmpi_abort(null, AbortExitCode);
        // Only reached if MPI_Abort itself failed (MPI already finalized by other code). Environment.Exit could wait
        // for the process-exit handlers that are waiting here; FailFast ends the process non-zero at once.
        Environment.FailFast($"MlxMpi watchdog: MPI_Abort failed; ending this rank (exit code {AbortExitCode} intended)");
    }

    internal static string Report(CollectiveRecord record, TimeSpan elapsed, TimeSpan limit)
    {
        var text = new StringBuilder();
        text.AppendLine($"MlxMpi watchdog: {record.Op} #{record.Sequence} on rank {record.GroupRank} of {record.GroupSize} timed out " +
                        $"after {elapsed.TotalSeconds:F1} s (collective timeout {limit.TotalSeconds:F1} s)");
        text.AppendLine($"  host {Environment.MachineName}, pid {Environment.ProcessId}, world rank {WorldRank()}");
        text.AppendLine($"  stuck in: {record.Describe()}");
        text.AppendLine("  the other ranks of the group have not all entered this collective, or one of them is stuck elsewhere");
        var recent = FlightRecorder.RecentlyCompleted();
        text.AppendLine($"  last {recent.Length} collectives completed on this rank (oldest first):");
        foreach (var done in recent)
        {
            var took = done.IsTimed ? $": {Stopwatch.GetElapsedTime(done.StartTimestamp, done.EndTimestamp).TotalMilliseconds:F3} ms" : "";
            text.AppendLine($"    {done.Describe()}{took}{(done.Failed ? ", threw" : "")}");
        }
        text.AppendLine($"  ending the job with MPI_Abort(MPI_COMM_WORLD, {AbortExitCode})");
        return text.ToString();
    }

    // MPI's own answer (MPI_Comm_rank of the world at Init), not a launcher variable that only some launchers set.
    private static string WorldRank() => MpiRuntime.WorldRank.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
