namespace MlxMpi.Collectives;

/// <summary>
/// One collective call as the header-phase skeleton (<see cref="CollectiveSkeleton"/>) runs it: the op only says
/// what it calls and with what, and does its data phase; the skeleton does the ordering, locking, sequence numbers,
/// flight recording, failure announcement and agreement for every op alike. Implemented by structs, so the skeleton
/// is specialised per op and the hot path allocates nothing.
/// </summary>
internal interface ICollectiveCall<TResult>
{
    /// <summary>What this rank calls; travels in the header, so a rank calling another op is a desync.</summary>
    CollectiveOp Op { get; }

    /// <summary>The input, for the flight recorder and events (null when the op has none).</summary>
    CallInput Input { get; }

    /// <summary>
    /// Everything this rank can fail at on its own, done before the header phase so the failure is announced instead
    /// of leaving the other ranks waiting: argument checks, leases on every caller buffer (a buffer disposed
    /// meanwhile is then either kept alive for the call or reported as a failure), result allocation, packing. On
    /// success it writes this rank's description into <paramref name="header"/> and returns null; otherwise it
    /// returns the failure (never throws) and the skeleton announces it.
    /// </summary>
    Exception? Prepare(Group group, HeaderExchange header, long sequence);

    /// <summary>The data phase, once every rank described the same call and none failed.</summary>
    TResult Complete(Group group, HeaderExchange header);

    /// <summary>Ends the call's leases and temporaries; on failure also frees a result the call allocated.</summary>
    void Release(bool succeeded);
}
