using System.Globalization;

namespace MlxMpi.TorchSharp.Tests.Worker;

/// <summary>
/// Runs TorchSharp scenarios on every rank and prints <c>RESULT rank name PASS|FAIL reason</c> per scenario. Checks are
/// soft (recorded, not thrown) so every rank makes every collective and the ranks stay in step. Exit code 0 only when
/// every scenario passed on this rank.
/// </summary>
internal static class TorchWorker
{
    internal static readonly IReadOnlyDictionary<string, Action<Check>> Scenarios = new Dictionary<string, Action<Check>>
    {
        ["torch_gather"] = TorchScenarios.Gather,
        ["torch_allsum"] = TorchScenarios.AllSum,
        ["torch_bad_one_rank"] = TorchScenarios.BadOneRank,
        ["average_gradients"] = GradientScenarios.AverageGradients,
    };

    public static int Run(string[] names)
    {
        var world = Distributed.Init(strict: true);
        var seed = SeedAgreedByAll(world);
        var failed = false;
        foreach (var name in names)
        {
            var check = new Check(world, seed ^ Fnv(name));
            try
            {
                if (!Scenarios.TryGetValue(name, out var scenario))
                    check.Fail($"unknown scenario {name}");
                else
                    scenario(check);
            }
            catch (Exception e)
            {
                check.Fail($"threw {e.GetType().Name}: {e.Message}");
                Console.Error.WriteLine($"rank {world.Rank} {name}: {e}");
            }
            failed |= check.Failures.Count > 0;
            Console.WriteLine(check.Failures.Count == 0
                ? $"RESULT {world.Rank} {name} PASS"
                : $"RESULT {world.Rank} {name} FAIL {string.Join(" | ", check.Failures.Take(5))}");
        }
        Console.Out.Flush();
        return failed ? 1 : 0;
    }

    /// <summary>Rank 0's seed (from MLXMPI_TEST_SEED or fresh), so every rank can regenerate every rank's data.</summary>
    private static ulong SeedAgreedByAll(Group world)
    {
        var mine = ulong.TryParse(Environment.GetEnvironmentVariable("MLXMPI_TEST_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out var s)
            ? s : (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        var all = Distributed.AllGather<ulong>([mine], world);
        if (world.Rank == 0)
            Console.WriteLine($"INFO seed {all[0]} size {world.Size}");
        return all[0];
    }

    private static ulong Fnv(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
            hash = (hash ^ c) * 1099511628211UL;
        return hash;
    }
}

/// <summary>What a scenario gets: the world, a seed shared by all ranks, and soft checks.</summary>
internal sealed class Check(Group world, ulong seed)
{
    public Group World => world;

    public List<string> Failures { get; } = [];

    /// <summary>A seed for one piece of data, the same on every rank for the same tags.</summary>
    public int SeedFor(params int[] tags)
    {
        var h = seed;
        foreach (var t in tags)
            h = (h ^ (ulong)(uint)t) * 0x9E3779B97F4A7C15UL;
        return (int)(h >> 33);
    }

    public void Fail(string reason) => Failures.Add(reason);

    public void Expect(bool condition, string reason)
    {
        if (!condition)
            Fail(reason);
    }
}
