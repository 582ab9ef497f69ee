using NUnit.Framework;

namespace MlxMpi.Tests.Mpi;

/// <summary>Every scenario the worker lists belongs to a suite that some launch here runs, under a unique name: a
/// scenario in an unknown suite would otherwise silently never run.</summary>
[Category("Mpi")]
public sealed class WorkerScenarioListTests
{
    [Test]
    public void EveryScenarioIsInALaunchedSuiteUnderAUniqueName()
    {
        var all = WorkerScenarios.All;
        Assert.That(all, Is.Not.Empty);
        Assert.That(all.Select(s => s.Suite).Distinct(), Is.SubsetOf(WorkerScenarios.Suites));
        Assert.That(all.Select(s => s.Name), Is.Unique);
        Assert.That(WorkerScenarios.CollectiveHeavy, Is.SubsetOf(WorkerScenarios.General));
    }
}
