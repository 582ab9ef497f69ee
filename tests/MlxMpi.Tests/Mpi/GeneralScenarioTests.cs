using NUnit.Framework;

namespace MlxMpi.Tests.Mpi;

/// <summary>All general scenarios in one launch each on 2, 3 and 4 ranks (3 is odd, so the parity split is
/// uneven; 4 oversubscribes this 2-core machine).</summary>
[TestFixture(2)]
[TestFixture(3)]
[TestFixture(4)]
[Category("Mpi")]
public sealed class GeneralScenarioTests(int ranks) : MpiLaunchFixture
{
    protected override int Ranks => ranks;

    protected override IReadOnlyList<string> Scenarios => WorkerScenarios.General;

    [TestCaseSource(typeof(WorkerScenarios), nameof(WorkerScenarios.General))]
    public void Scenario(string name) => AssertScenario(name);
}
