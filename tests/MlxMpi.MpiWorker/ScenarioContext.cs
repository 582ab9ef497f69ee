namespace MlxMpi.MpiWorker;

/// <summary>
/// What a scenario gets: the world, the run's seed, and soft checks. A failed check is recorded, not thrown,
/// so the scenario still makes every collective call it would have made and the ranks stay in step.
/// </summary>
internal sealed class ScenarioContext(Group? world, ulong seed, string name)
{
    private const int MaxReportedFailures = 5;
    private readonly List<string> _failures = [];
    private int _failureCount;

    public string Name => name;

    public Group World => world ?? throw new InvalidOperationException($"{name} needs the world group");

    /// <summary>The world rank, or without a world (standalone scenarios) the launcher's rank, if any.</summary>
    public int Rank => world?.Rank ?? MlxMpi.Runtime.LauncherEnvironment.Current().Rank ?? 0;

    /// <summary>A seed for one piece of data, the same on every rank for the same tags. Tags usually include the
    /// world rank whose input it is, so every rank can regenerate every other rank's input.</summary>
    public ulong SeedFor(params long[] tags) => SplitMix64.Derive(seed ^ StableHash.Of(name), tags);

    public void Info(string text) => Output.Info(Rank, $"{name}: {text}");

    public void Fail(string reason)
    {
        _failureCount++;
        if (_failures.Count < MaxReportedFailures)
            _failures.Add(reason);
    }

    public void Expect(bool condition, string reason)
    {
        if (!condition)
            Fail(reason);
    }

    public void ExpectEqual<T>(T actual, T expected, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(actual, expected))
            Fail($"{what}: expected {expected}, got {actual}");
    }

    /// <summary>Checks dtype, shape and every element (bit for bit) of <paramref name="actual"/>.</summary>
    public void ExpectValues(HostArray expected, MlxArray actual, string what)
    {
        var difference = ArrayComparison.FirstDifference(expected, actual);
        if (difference is not null)
            Fail($"{what}: {difference}");
    }

    public string? FailureSummary()
    {
        if (_failureCount == 0)
            return null;
        var more = _failureCount > _failures.Count ? $" (+{_failureCount - _failures.Count} more)" : "";
        return string.Join(" | ", _failures) + more;
    }
}
