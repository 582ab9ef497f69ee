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

    private WorkerRun Run => _run ?? throw new InvalidOperationException("the launch did not happen");

    [OneTimeSetUp]
    public void Launch()
    {
        _run = MpiLauncher.RunUnderMpiexec(Ranks, Scenarios, MpiLauncher.TimeoutFor(Ranks));
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

    protected void AssertScenario(string scenario) => Run.AssertScenarioPassed(scenario, Ranks);
}
