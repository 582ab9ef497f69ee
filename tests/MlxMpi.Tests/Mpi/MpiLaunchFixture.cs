using NUnit.Framework;

namespace MlxMpi.Tests.Mpi;

/// <summary>
/// One mpiexec launch per fixture, shared by its test cases: process start-up dominates the cost, so a
/// launch runs many scenarios, and each scenario is still reported as its own test case.
/// </summary>
public abstract class MpiLaunchFixture
{
    private WorkerRun? _run;

    protected abstract int Ranks { get; }

    protected abstract IReadOnlyList<string> Scenarios { get; }

    /// <summary>Variables added to the launch's environment (every rank's), if any.</summary>
    protected virtual IReadOnlyDictionary<string, string>? LaunchEnvironment => null;

    private WorkerRun Run => _run ?? throw new InvalidOperationException("the launch did not happen");

    [OneTimeSetUp]
    public void Launch()
    {
        var scenarios = Scenarios.Where(s => SkipReason(s) is null).ToList();
        _run = MpiLauncher.RunUnderMpiexec(Ranks, scenarios, MpiLauncher.TimeoutFor(Ranks), LaunchEnvironment);
        TestContext.Progress.WriteLine($"{Ranks} ranks, seed {_run.Seed}: {(_run.TimedOut ? "timed out" : $"exit {_run.ExitCode}")} in {_run.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>mpiexec exits 0 only if every rank did, i.e. every scenario passed everywhere and nothing
    /// crashed after its RESULT line (for instance in MPI_Finalize).</summary>
    [Test]
    public void LaunchExitsCleanly()
    {
        TestContext.Out.WriteLine(Run.Describe());
        Run.AssertExitedCleanly();
    }

    protected void AssertScenario(string scenario)
    {
        if (SkipReason(scenario) is { } reason)
            Assert.Ignore(reason);
        Run.AssertScenarioPassed(scenario, Ranks);
    }

    // Thousands of collectives (allocation_budget: 8,800) would take minutes under MPICH with more ranks than cores
    // (see MpiLauncher.CollectivesCrawl); they still run under MPICH in the launches that fit the cores.
    private string? SkipReason(string scenario) =>
        WorkerScenarios.CollectiveHeavy.Contains(scenario) && MpiLauncher.CollectivesCrawl(Ranks)
            ? $"{scenario} makes thousands of collectives: MPICH busy-polls, so with {Ranks} ranks on {Environment.ProcessorCount} cores " +
              "each takes ~10 ms; it runs under MPICH in the launches with no more ranks than cores"
            : null;
}
