using NUnit.Framework;

namespace MlxMpi.Tests.Mpi;

/// <summary>The .NET data scenarios (span and array overloads, views of caller memory, Tensor&lt;T&gt;, AllGatherObject)
/// in one launch each on 2, 3 and 4 ranks.</summary>
[TestFixture(2)]
[TestFixture(3)]
[TestFixture(4)]
[Category("Mpi")]
public sealed class DotNetDataScenarioTests(int ranks) : MpiLaunchFixture
{
    protected override int Ranks => ranks;

    protected override IReadOnlyList<string> Scenarios => WorkerScenarios.DotNetData;

    [TestCaseSource(typeof(WorkerScenarios), nameof(WorkerScenarios.DotNetData))]
    public void Scenario(string name) => AssertScenario(name);
}
