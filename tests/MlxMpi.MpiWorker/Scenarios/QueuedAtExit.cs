namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Issue: every rank queued 200 identical AllGatherAsync and returned from Main, and the job hung (the exit
/// handler finalized MPI on one rank while the other was still in the queue). Now process exit lets the queued
/// collectives finish (every rank queued them, so they complete everywhere) before MPI_Finalize; if they cannot
/// finish in 10 s (the ranks did not queue the same ones) it aborts the job, non-zero.
/// </summary>
internal static class QueuedAtExit
{
    [Scenario("queued_at_return", Suite.Shutdown)] public static void Return(ScenarioContext context) => Queue(context, 200);

    /// <summary>The same, leaving through Environment.Exit(0) right after the queueing.</summary>
    [Scenario("queued_at_environment_exit", Suite.Shutdown)] public static void EnvironmentExit(ScenarioContext context)
    {
        Queue(context, 200);
        Output.Result(context.Rank, context.Name, null);
        Environment.Exit(0);
    }

    /// <summary>The last rank queues one gather more than the others: it can never complete, so exit must abort.</summary>
    [Scenario("queued_at_exit_unmatched", Suite.Shutdown)] public static void Unmatched(ScenarioContext context) =>
        Queue(context, context.Rank == context.World.Size - 1 ? 201 : 200);

    private static void Queue(ScenarioContext context, int count)
    {
        using var x = MlxArray.FromArray(new[] { context.Rank, 7 * context.Rank });
        for (var i = 0; i < count; i++)
            _ = Distributed.AllGatherAsync(x, context.World);
        context.Info($"queued {count} gathers");
    }
}
