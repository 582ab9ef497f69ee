namespace MlxMpi.Tests.Mpi;

/// <summary>
/// The gather path never runs tier-0 code (the worker's hot_path_tiers): on ranks pinned to one core the runtime
/// waits seconds before promoting it, which made 8-byte gathers 3x slower there. One 2-rank launch in which tiered
/// compilation counts calls from the first (DOTNET_TC_CallCountingDelayMs=0, so a promotion shows within
/// milliseconds instead of after the runtime's delay); the scenario lists any MlxMpi method that got promoted.
/// </summary>
[Category("Mpi")]
[TestFixture]
public sealed class HotPathTierTests : MpiLaunchFixture
{
    protected override int Ranks => 2;

    protected override IReadOnlyList<string> Scenarios => WorkerScenarios.JitTiers;

    protected override IReadOnlyDictionary<string, string> LaunchEnvironment => new Dictionary<string, string>
    {
        ["DOTNET_TC_CallCountingDelayMs"] = "0",
    };

    [TestCaseSource(typeof(WorkerScenarios), nameof(WorkerScenarios.JitTiers))]
    public void Scenario(string name)
    {
#if DEBUG
        Assert.Ignore("a Debug build compiles MlxMpi without optimisation or tiering; run the tests in Release (as CI does)");
#endif
        AssertScenario(name);
    }
}
