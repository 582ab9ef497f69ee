using System.Net.Sockets;
using Microsoft.Diagnostics.NETCore.Client;

namespace MlxMpi.Diag;

/// <summary>
/// Calls to a rank's diagnostics port, bounded in time and retried. On this 2-core node, with more busy ranks than
/// cores, a rank's port now and then refused a connection that succeeded a moment later (ServerNotAvailableException
/// "Unable to connect", once "Cannot assign requested address"), so a failed call is retried while the process
/// lives. A port whose process is stopped (SIGSTOP, a debugger) accepts but never answers: the time limit covers it.
/// </summary>
internal static class DiagnosticsPort
{
    private const int Attempts = 4;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(250);

    /// <param name="repeatable">False for a call that must not run twice (a dump): then only a refused connection,
    /// after which nothing was sent, is retried.</param>
    public static async Task<T> CallAsync<T>(int pid, Func<DiagnosticsClient, T> call, TimeSpan timeout, bool repeatable = true)
    {
        var deadline = DateTime.UtcNow + timeout;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var left = deadline - DateTime.UtcNow;
                return await Task.Run(() => call(new DiagnosticsClient(pid))).WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero).ConfigureAwait(false);
            }
            catch (Exception e) when ((repeatable ? IsTransient(e) : e is ServerNotAvailableException) && attempt < Attempts && DateTime.UtcNow + Pause < deadline && ProcFs.HasExited(pid) != true)
            {
                await Task.Delay(Pause).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The failures a call to a diagnostics port can end in; anything else is a bug here.</summary>
    public static bool IsFailure(Exception e) =>
        e is TimeoutException or ServerNotAvailableException or ServerErrorException or UnsupportedCommandException
            or IOException or SocketException;

    private static bool IsTransient(Exception e) => e is ServerNotAvailableException or IOException or SocketException;
}
