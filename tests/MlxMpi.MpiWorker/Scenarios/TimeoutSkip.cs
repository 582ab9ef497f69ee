namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// The collective timeout (Distributed.CollectiveTimeout, or MLXMPI_TIMEOUT read at Init), each variant in a launch
/// of its own (TimeoutTests): on a fresh Split(0) of the world (so its collectives are numbered from #1 whatever ran
/// before), three gathers succeed, the second with the last rank 2 s late (under the limit: no watchdog may fire);
/// then the last rank skips gather #4 and sleeps. The other ranks' watchdogs must report "AllGather #4" on stderr
/// and end the job with MPI_Abort. This scenario never passes by itself: the test judges the job's end.
/// </summary>
internal static class TimeoutSkip
{
    public const string Variable = "MLXMPI_TIMEOUT";
    public const int StuckSequence = 4;
    public static readonly int[] StuckShape = [3, 5];
    private static readonly TimeSpan Late = TimeSpan.FromSeconds(2);

    /// <summary>The limit comes from MLXMPI_TIMEOUT, which the test puts in the launch environment.</summary>
    [Scenario("timeout_skip_env", Suite.Timeouts)] public static void FromEnvironment(ScenarioContext context)
    {
        if (!double.TryParse(Environment.GetEnvironmentVariable(Variable), System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            context.Fail($"{Variable} is not set to a number of seconds in this launch");
            return;
        }
        var applied = Distributed.CollectiveTimeout;
        context.Expect(applied == TimeSpan.FromSeconds(seconds), $"Init did not apply {Variable}={seconds}: CollectiveTimeout is {applied}");
        SkipOneGather(context, applied);
    }

    /// <summary>The scenario sets Distributed.CollectiveTimeout itself (5 s), after Init.</summary>
    [Scenario("timeout_skip_property", Suite.Timeouts)] public static void FromProperty(ScenarioContext context)
    {
        var before = Distributed.CollectiveTimeout;
        context.Expect(before == Timeout.InfiniteTimeSpan, $"CollectiveTimeout is {before} before it is set; expected Timeout.InfiniteTimeSpan (off)");
        Distributed.CollectiveTimeout = TimeSpan.FromSeconds(5);
        SkipOneGather(context, Distributed.CollectiveTimeout);
    }

    /// <summary>As <see cref="FromProperty"/>, but the call the last rank skips is AllSum #4: every op has the watchdog.</summary>
    [Scenario("timeout_skip_allsum", Suite.Timeouts)] public static void AllSumFromProperty(ScenarioContext context)
    {
        Distributed.CollectiveTimeout = TimeSpan.FromSeconds(5);
        SkipOneGather(context, Distributed.CollectiveTimeout, "AllSum", (x, g) => Distributed.AllSum(x, g));
    }

    private static void SkipOneGather(ScenarioContext context, TimeSpan limit, string op = "AllGather", Func<MlxArray, Group, MlxArray>? stuck = null)
    {
        var world = context.World;
        var last = world.Size - 1;
        Faults.AnnounceProcess(context);
        using var group = world.Split(0);
        for (var seq = 1; seq < StuckSequence; seq++)
        {
            if (seq == 2 && world.Rank == last)
                Thread.Sleep(Late);
            var n = seq;
            GatherCheck.Run(context, group, $"gather #{seq}", r => TestData.Random(Dtype.Float64, [2, 2], context.SeedFor(r, n)));
        }
        context.Info($"{StuckSequence - 1} gathers verified (limit {limit.TotalSeconds} s), failures: {context.FailureSummary() ?? "none"}");
        // Stop alike everywhere if any rank saw a failure (agreed on the world: the group's numbering stays as is).
        if (Consensus.GatherInt64(world, context.FailureSummary() is null ? 0 : 1).Any(f => f != 0))
        {
            context.Fail("not skipping the gather: a rank saw a failure above");
            return;
        }

        using var x = Dtypes.ToMlx(TestData.Random(Dtype.Float32, StuckShape, context.SeedFor(world.Rank, StuckSequence)));
        if (world.Rank == last)
        {
            Faults.Announce(context, $"rank {last} skips {op} #{StuckSequence}");
            Thread.Sleep(Timeout.Infinite); // until mpiexec ends the job
        }
        try
        {
            var y = stuck is null ? Distributed.AllGather(x, group) : stuck(x, group);
            context.Fail($"{op} #{StuckSequence} returned {y} although rank {last} never called it");
            y.Dispose();
        }
        catch (Exception e)
        {
            context.Fail($"{op} #{StuckSequence} threw instead of being ended by the watchdog: {Failures.Describe(e)}");
        }
    }
}
