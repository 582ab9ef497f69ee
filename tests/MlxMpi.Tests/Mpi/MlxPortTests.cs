using NUnit.Framework;

namespace MlxMpi.Tests.Mpi;

/// <summary>The port of MLX's python/tests/mpi_test_distributed.py, which MLX runs on 8 ranks.</summary>
[Category("Mpi")]
public sealed class MlxPortTests : MpiLaunchFixture
{
    protected override int Ranks => 8;

    protected override IReadOnlyList<string> Scenarios => WorkerScenarios.MlxPort;

    [TestCaseSource(typeof(WorkerScenarios), nameof(WorkerScenarios.MlxPort))]
    public void Scenario(string name) => AssertScenario(name);
}
