namespace MlxMpi.Diag;

/// <summary>
/// The names MlxMpi's EventSource publishes (src/MlxMpi/Diagnostics/MlxMpiEventSource.cs). Copied, not referenced:
/// the tool attaches to processes built against any MlxMpi version, so these strings are the contract.
/// </summary>
internal static class RankCounters
{
    public const string Provider = "MlxMpi";

    /// <summary>The keyword of the per-collective start/stop events.</summary>
    public const long CollectivesKeyword = 1;

    /// <summary>The task of the start/stop events. Matched by task and opcode, not by the ids in [Event(1)] and
    /// [Event(2)]: the source writes self-describing events, and EventPipe gives those ids of its own (4 and 5 in
    /// a trace taken here).</summary>
    public const string CollectiveTask = "Collective";

    // Incrementing counters: each payload is the increase since the previous one.
    public const string Completed = "gathers-per-second";
    public const string Bytes = "bytes-per-second";
    public const string Errors = "errors";

    // Mean of the values written during the interval.
    public const string Latency = "mean-latency";

    // Polling counters: each payload is the value at the time of the sample.
    public const string InFlight = "collectives-in-flight";
    public const string CurrentSequence = "current-sequence";
    public const string CurrentElapsedMs = "current-elapsed-ms";
    public const string LastCompletedSequence = "last-completed-sequence";
    public const string WorldRank = "world-rank";
    public const string WorldSize = "world-size";

    public static bool IsIncrementing(string name) => name is Completed or Bytes or Errors;
}
