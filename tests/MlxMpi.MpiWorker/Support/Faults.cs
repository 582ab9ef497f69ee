using System.Runtime.InteropServices;

namespace MlxMpi.MpiWorker;

/// <summary>
/// What the fault and timeout scenarios need from the process: its pid and host for the reports, a wall-clock
/// timestamp the test can compare with its own clock (same machine), and SIGKILL on itself.
/// </summary>
internal static class Faults
{
    private const int Sigkill = 9;

    /// <summary>Milliseconds since the Unix epoch: the tests measure how long the job took to end from this.</summary>
    public static long UnixMillisecondsNow() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>Prints <c>INFO r scenario: fault at &lt;unix ms&gt;: what</c>, the line the tests time the end of the job from.</summary>
    public static void Announce(ScenarioContext context, string what) =>
        context.Info($"fault at {UnixMillisecondsNow()}: {what}");

    /// <summary>Prints <c>INFO r scenario: pid P host H</c> so a test can find this rank's process and its report.</summary>
    public static void AnnounceProcess(ScenarioContext context) =>
        context.Info($"pid {Environment.ProcessId} host {Environment.MachineName}");

    /// <summary>SIGKILL to this very process: no handler, no finalizer, no MPI_Finalize runs.</summary>
    public static void KillSelf()
    {
        if (kill(Environment.ProcessId, Sigkill) != 0)
            throw new InvalidOperationException($"kill({Environment.ProcessId}, SIGKILL) failed: errno {Marshal.GetLastPInvokeError()}");
        Thread.Sleep(Timeout.Infinite); // the signal is delivered asynchronously
    }

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
