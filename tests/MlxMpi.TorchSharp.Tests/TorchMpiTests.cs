using MlxMpi.TorchSharp.Tests.Worker;

namespace MlxMpi.TorchSharp.Tests;

/// <summary>Every TorchSharp scenario in one mpiexec launch each on 2, 3 and 4 ranks (4 oversubscribes this machine).</summary>
[TestFixture(2)]
[TestFixture(3)]
[TestFixture(4)]
[Category("Mpi")]
public sealed class TorchMpiTests(int ranks)
{
    private TorchLaunch.Result? run;

    public static IEnumerable<string> ScenarioNames => TorchWorker.Scenarios.Keys;

    [OneTimeSetUp]
    public void Launch()
    {
        var dll = Path.Combine(TorchLaunch.OutputDir, "MlxMpi.TorchSharp.Tests.dll");
        run = TorchLaunch.Mpiexec(ranks, dll, ["worker", .. ScenarioNames], TimeSpan.FromSeconds(60 + 30 * ranks));
        TestContext.Progress.WriteLine($"{ranks} ranks: exit {run.ExitCode} in {run.Elapsed.TotalSeconds:F1} s");
    }

    [Test]
    public void LaunchExitsCleanly() => Assert.That(run!.ExitCode, Is.Zero, run.Describe());

    [TestCaseSource(nameof(ScenarioNames))]
    public void Scenario(string name)
    {
        for (var rank = 0; rank < ranks; rank++)
        {
            var line = run!.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith($"RESULT {rank} {name} ", StringComparison.Ordinal));
            Assert.That(line, Is.Not.Null, $"rank {rank} printed no result for {name}\n{run.Describe()}");
            Assert.That(line, Does.EndWith(" PASS"), line);
        }
    }
}
