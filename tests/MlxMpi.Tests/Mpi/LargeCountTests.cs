namespace MlxMpi.Tests.Mpi;

/// <summary>
/// A real gather, all-sum and send/recv of 2 ranks x (2^31 + 2^20) bytes, every byte checked. It needs about 13 GiB across the two ranks,
/// so it runs when the machine has at least 20 GiB available (CI's machine has 24 GiB) and is ignored, saying
/// why, elsewhere.
/// </summary>
[Category("Mpi")]
[Category("LargeMemory")]
public sealed class LargeCountTests
{
    private const long RequiredBytes = 20L << 30;

    [Test]
    public void A_gather_of_more_than_2_pow_31_bytes_per_rank_is_correct()
    {
        var available = AvailableMemory();
        if (available < RequiredBytes)
            Assert.Ignore($"needs {RequiredBytes >> 30} GiB of available memory; this machine has {available >> 20} MiB");
        var run = MpiLauncher.RunUnderMpiexec(2, WorkerScenarios.LargeCount, TimeSpan.FromMinutes(8));
        TestContext.Out.WriteLine(run.Describe());
        foreach (var scenario in WorkerScenarios.LargeCount)
            run.AssertScenarioPassed(scenario, ranks: 2);
        run.AssertExitedCleanly();
    }

    private static long AvailableMemory()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
