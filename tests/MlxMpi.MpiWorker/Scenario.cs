namespace MlxMpi.MpiWorker;

/// <summary>
/// One named check. <paramref name="NeedsWorld"/> is false only for scenarios that must run outside any
/// launcher (they call Distributed.Init themselves); the runner then does not initialise the world.
/// </summary>
internal sealed record Scenario(string Name, Action<ScenarioContext> Run, bool NeedsWorld = true);
