namespace MlxMpi.MpiWorker;

/// <summary>
/// One named check. <paramref name="NeedsWorld"/> is false only for scenarios that must run outside any
/// launcher (they call Distributed.Init themselves); the runner then does not initialise the world.
/// </summary>
internal sealed record Scenario(string Name, Action<ScenarioContext> Run, Suite Suite, bool CollectiveHeavy, bool NeedsWorld);

/// <summary>Which launch of the NUnit tests runs a scenario (tests/MlxMpi.Tests/Mpi/WorkerScenarios.cs).</summary>
internal enum Suite
{
    /// <summary>One launch each at 2, 3 and 4 ranks, under Open MPI, MPICH and across the namespace nodes.</summary>
    General,
    /// <summary>The ports of MLX's distributed tests, one 8-rank launch.</summary>
    MlxPort,
    /// <summary>Plain `dotnet`, outside any launcher.</summary>
    Standalone,
    /// <summary>Standalone, with an environment in which the shim cannot load.</summary>
    ShimUnavailable,
    /// <summary>Faults that end the job, one launch each.</summary>
    Faults,
    /// <summary>A rank that skips a collective, caught by the collective timeout, one launch each.</summary>
    Timeouts,
    /// <summary>The soak at 4 ranks.</summary>
    Soak,
    /// <summary>More than 2^31 elements per rank, when the machine has the memory.</summary>
    LargeCount,
    /// <summary>GPU arrays over the CUDA runtime test double.</summary>
    Gpu,
    /// <summary>Live jobs that mlxmpi-diag watches.</summary>
    Diag,
    /// <summary>Across the network-namespace nodes, besides General.</summary>
    MultiNode,
    /// <summary>How a job ends with work still queued, one launch each.</summary>
    Shutdown,
    /// <summary>Launches that Init must refuse (no silent world of one), one launch each.</summary>
    InitRefused,
    /// <summary>A host that initialised MPI itself before Distributed.Init.</summary>
    HostInitialised,
    /// <summary>The per-call path never runs tier-0 code (a launch with call counting from the first call).</summary>
    JitTiers,
}

/// <summary>Marks a static `void Run(ScenarioContext)` method as the scenario <paramref name="name"/> of <paramref name="suite"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ScenarioAttribute(string name, Suite suite) : Attribute
{
    public string Name { get; } = name;

    public Suite Suite { get; } = suite;

    /// <summary>Thousands of collectives: left out of MPICH launches with more ranks than cores (busy polling).</summary>
    public bool CollectiveHeavy { get; init; }

    public bool NeedsWorld { get; init; } = true;
}
