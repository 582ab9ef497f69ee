using System.Globalization;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace MlxMpi.Tests.Mpi;

/// <summary>
/// The CI-sized soak: 4 ranks (oversubscribed on 2 cores) gathering at random for 45 s (about 60 s with start-up),
/// every element checked, each rank's RSS growth after the warm-up bounded (see Soak). The bound, 64 MiB: here the
/// growth from the warm-up (9 s) to the end measured 6 to 20 MiB per rank, the tail of caches and the GC heap
/// settling (an 8-minute run, 6 million gathers, grew 3 to 7 MiB, flat after the first minute), while leaking one
/// result per gather would grow by the "MiB gathered" figure, over 150 MiB per rank. scripts/soak.sh runs the same
/// scenario for minutes to hours.
/// </summary>
[Category("Mpi")]
[Category("Soak")]
public sealed partial class SoakTests
{
    private const int Ranks = 4;
    private const int Seconds = 45;
    private const int RssLimitMiB = 64;

    [GeneratedRegex(@"\bINFO (\d+) soak: done ([\d.]+) s: iterations (\d+), gathers (\d+) .*elements checked (\d+).*; RSS warm (-?\d+) KiB end (\d+) KiB growth (-?\d+) KiB")]
    private static partial Regex DoneLine();

    [Test]
    public void Random_gathers_for_45_seconds_stay_correct_and_do_not_grow_memory()
    {
        var run = MpiLauncher.RunUnderMpiexec(Ranks, WorkerScenarios.Soak, TimeSpan.FromSeconds(Seconds + 120),
            new Dictionary<string, string>
            {
                ["MLXMPI_SOAK_SECONDS"] = Seconds.ToString(CultureInfo.InvariantCulture),
                ["MLXMPI_SOAK_RSS_LIMIT_MIB"] = RssLimitMiB.ToString(CultureInfo.InvariantCulture),
            });
        TestContext.Out.WriteLine(run.Describe());
        run.AssertScenarioPassed("soak", Ranks);
        run.AssertExitedCleanly();

        var done = DoneLine().Matches(run.Stdout).ToDictionary(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.That(done.Keys, Is.EquivalentTo(Enumerable.Range(0, Ranks)), "one done line per rank");
        foreach (var (rank, line) in done.OrderBy(d => d.Key))
        {
            long Value(int group) => long.Parse(line.Groups[group].Value, CultureInfo.InvariantCulture);
            TestContext.Progress.WriteLine($"soak rank {rank}: {Value(3)} iterations, {Value(4)} gathers, {Value(5)} elements checked, " +
                                           $"RSS {Value(6)} -> {Value(7)} KiB (growth {Value(8)} KiB)");
            Assert.Multiple(() =>
            {
                Assert.That(Value(4), Is.GreaterThanOrEqualTo(2000), $"rank {rank}: gathers in {Seconds} s");
                Assert.That(Value(6), Is.Positive, $"rank {rank}: RSS after the warm-up");
                Assert.That(Value(8), Is.LessThanOrEqualTo(RssLimitMiB * 1024L), $"rank {rank}: RSS growth in KiB");
            });
        }
    }
}
