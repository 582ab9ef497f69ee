namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Faults in the middle of a job, each run in a launch of its own (FaultTests): every rank gathers in a loop, each
/// result checked; after <see cref="Warmup"/> gathers every rank reports what it verified and the last rank then
/// dies (SIGKILL on itself, an unhandled exception on a thread of its own, or Environment.Exit) while the others go
/// on gathering and so block in a collective that can never complete. The job must still end, with a non-zero exit, within 30 s,
/// and leave no rank process behind: that is mpiexec's work once it sees a rank die, and MlxMpi must not get in
/// its way (say a handler that keeps a dying rank alive, or a rank that ignores the termination).
/// </summary>
internal static class FaultInjection
{
    private const int Warmup = 40;
    public const string UnhandledMessage = "deliberate unhandled exception from the fault_unhandled_thread scenario";

    [Scenario("fault_sigkill", Suite.Faults)] public static void Sigkill(ScenarioContext context) =>
        Run(context, () =>
        {
            Faults.Announce(context, $"SIGKILL to pid {Environment.ProcessId}");
            Faults.KillSelf();
        });

    [Scenario("fault_unhandled_thread", Suite.Faults)] public static void UnhandledOnThread(ScenarioContext context) =>
        Run(context, () =>
        {
            Faults.Announce(context, $"unhandled {nameof(InvalidOperationException)} on a new thread of pid {Environment.ProcessId}");
            var thread = new Thread(() => throw new InvalidOperationException($"{UnhandledMessage} (rank {context.Rank})"))
            {
                Name = "fault_unhandled_thread",
            };
            thread.Start();
            Thread.Sleep(Timeout.Infinite); // the runtime ends the process from the other thread
        });

    /// <summary>Environment.Exit(3) on the last rank: .NET runs its ProcessExit handlers (MlxMpi aborts the job there)
    /// while the other ranks wait in a gather.</summary>
    [Scenario("fault_exit_early", Suite.Faults)] public static void ExitEarly(ScenarioContext context) =>
        Run(context, () =>
        {
            Faults.Announce(context, $"Environment.Exit(3) in pid {Environment.ProcessId}");
            Environment.Exit(3);
        });

    private static void Run(ScenarioContext context, Action die)
    {
        var world = context.World;
        Faults.AnnounceProcess(context);
        for (var i = 0; i < Warmup; i++)
            Gather(context, world, i);
        context.Info($"{Warmup} gathers verified, failures: {context.FailureSummary() ?? "none"}");

        // Every rank printed its line above before entering this gather, so no line is lost to the kill below.
        Gather(context, world, Warmup);
        if (world.Rank == world.Size - 1)
            die();

        // The others go on as a real job would; the dead rank never joins, so this blocks until mpiexec ends the job.
        // (Should MPI report the dead peer as an error instead, the exception ends the scenario on this rank.)
        for (var i = Warmup + 1; i < int.MaxValue; i++)
            Gather(context, world, i);
    }

    private static void Gather(ScenarioContext context, Group world, int i)
    {
        var dtype = Dtypes.All[i % Dtypes.All.Count];
        // Alternate the inline header path and the data phase.
        int[] shape = i % 2 == 0 ? [3, 2] : [64, 33];
        GatherCheck.Run(context, world, $"gather {i} {dtype}", r => TestData.Random(dtype, shape, context.SeedFor(r, i)));
    }
}
