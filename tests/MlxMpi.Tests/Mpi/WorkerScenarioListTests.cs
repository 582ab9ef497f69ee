using NUnit.Framework;

namespace MlxMpi.Tests.Mpi;

/// <summary>Every scenario the worker knows is run by some launch here, and every name here exists in the
/// worker: a scenario added to one side only would otherwise silently never run, or fail as unknown.</summary>
[Category("Mpi")]
public sealed class WorkerScenarioListTests
{
    [Test]
    public void TestsRunExactlyTheWorkersScenarios()
    {
        var inWorker = MpiLauncher.ListScenarios();
        IEnumerable<string> inTests = [.. WorkerScenarios.General, .. WorkerScenarios.MlxPort, .. WorkerScenarios.Standalone, .. WorkerScenarios.ShimUnavailable, .. WorkerScenarios.Faults, .. WorkerScenarios.Timeouts, .. WorkerScenarios.Soak, .. WorkerScenarios.LargeCount, .. WorkerScenarios.JitTiers, .. WorkerScenarios.Gpu, .. WorkerScenarios.Diag, .. WorkerScenarios.MultiNode];
        Assert.That(inTests, Is.EquivalentTo(inWorker));
    }
}
