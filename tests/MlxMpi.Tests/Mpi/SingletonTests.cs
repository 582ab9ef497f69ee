using NUnit.Framework;

namespace MlxMpi.Tests.Mpi;

/// <summary>Outside any launcher the worker gets a singleton world from Init(strict: false) and an error
/// telling to use mpiexec from Init(strict: true). Runs the worker with plain dotnet, launcher variables removed.</summary>
[Category("Mpi")]
public sealed class SingletonTests
{
    [Test]
    public void InitOutsideLauncherGivesSingletonWorld()
    {
        var run = MpiLauncher.RunStandalone(WorkerScenarios.Standalone, TimeSpan.FromSeconds(60));
        TestContext.Out.WriteLine(run.Describe());
        foreach (var scenario in WorkerScenarios.Standalone)
            run.AssertScenarioPassed(scenario, ranks: 1);
        run.AssertExitedCleanly();
    }
}
