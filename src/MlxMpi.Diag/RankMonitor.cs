using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace MlxMpi.Diag;

/// <summary>
/// One EventPipe session on one rank: the MlxMpi provider with its counters sampled every second and its
/// start/stop events, parsed by TraceEvent on a thread of its own into a <see cref="RankObservation"/>.
/// The rank's counters run on a timer thread of its runtime, so a rank blocked inside MPI still reports.
/// </summary>
internal sealed class RankMonitor(RankProcess process) : IDisposable
{
    public const int CounterIntervalSeconds = 1;
    private static readonly TimeSpan AttachTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private EventPipeSession? session;
    private Thread? reader;

    public RankObservation Observation { get; } = new(process);

    /// <summary>Starts the session; once this returns, the provider is enabled in the rank (the runtime answers
    /// the command after enabling it), so every collective from now on is counted.</summary>
    public async Task StartAsync()
    {
        var provider = new EventPipeProvider(RankCounters.Provider, EventLevel.Informational, RankCounters.CollectivesKeyword,
            new Dictionary<string, string> { ["EventCounterIntervalSec"] = CounterIntervalSeconds.ToString() });
        try
        {
            // No rundown: it lists every loaded method at the end, which costs the rank time and tells us nothing.
            session = await DiagnosticsPort.CallAsync(process.Pid,
                client => client.StartEventPipeSession(provider, requestRundown: false, circularBufferMB: 16), AttachTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (DiagnosticsPort.IsFailure(e))
        {
            Observation.Fail($"could not attach: {e.Message}");
            return;
        }
        var source = new EventPipeEventSource(session.EventStream);
        source.Dynamic.All += OnEvent;
        reader = new Thread(() =>
        {
            try
            {
                source.Process();
            }
            catch (Exception e)
            {
                Observation.Fail($"event stream broke: {e.Message}");
            }
            finally
            {
                source.Dispose();
            }
        }) { IsBackground = true, Name = $"EventPipe pid {process.Pid}" };
        reader.Start();
    }

    /// <summary>Ends the session and waits for the events already sent to be read.</summary>
    public void Stop()
    {
        try
        {
            session?.Stop();
        }
        catch (Exception e) when (DiagnosticsPort.IsFailure(e))
        {
            Observation.Fail($"the rank went away: {e.Message}"); // the data read so far still stands
        }
        reader?.Join(DrainTimeout);
    }

    public void Dispose() => session?.Dispose();

    private void OnEvent(TraceEvent e)
    {
        if (e.ProviderName != RankCounters.Provider)
            return;
        if (e.EventName == "EventCounters")
            OnCounter(e);
        else if (e.TaskName == RankCounters.CollectiveTask && e.Opcode is TraceEventOpcode.Start or TraceEventOpcode.Stop)
            OnCollective(e);
    }

    private void OnCounter(TraceEvent e)
    {
        // The payload is { "Payload": { "Name": ..., "Mean" | "Increment": ..., "Count": ... } } (EventCounters format).
        if (e.PayloadValue(0) is not IDictionary<string, object> outer || outer["Payload"] is not IDictionary<string, object> counter)
            return;
        if (counter["Name"] is not string name)
            return;
        var value = counter.TryGetValue("Increment", out var increment) ? increment : counter.TryGetValue("Mean", out var mean) ? mean : null;
        if (value is null)
            return;
        var count = counter.TryGetValue("Count", out var c) ? Convert.ToDouble(c) : 1;
        Observation.Counter(name, Convert.ToDouble(value), count, DateTime.UtcNow);
    }

    private void OnCollective(TraceEvent e)
    {
        var isStart = e.Opcode == TraceEventOpcode.Start;
        Observation.Event(new CollectiveEvent(
            isStart,
            Op: e.PayloadByName("op") as string ?? "?",
            Sequence: Convert.ToInt64(e.PayloadByName("sequence")),
            GroupRank: Convert.ToInt32(e.PayloadByName("groupRank")),
            GroupSize: Convert.ToInt32(e.PayloadByName("groupSize")),
            Bytes: isStart ? Convert.ToInt64(e.PayloadByName("bytes")) : 0,
            Dtype: isStart ? e.PayloadByName("dtype") as string ?? "" : "",
            Shape: isStart ? e.PayloadByName("shape") as string ?? "" : "",
            Milliseconds: isStart ? 0 : Convert.ToDouble(e.PayloadByName("milliseconds")),
            Failed: !isStart && e.PayloadByName("failed") is true));
    }
}
