using System.Text.Json;

namespace MlxMpi.Tests.Diag;

/// <summary>
/// The counters `mlxmpi-diag status` reads from a live 2-rank job add up to the gathers the job did: the tool
/// attaches first, then the ranks do exactly DiagCountedGathers.Gathers world gathers and wait, and every rank's
/// completed count over the sample, its last completed sequence and its bytes must match that count exactly.
/// </summary>
[Category("Diag")]
[Category("Mpi")]
[NonParallelizable]
public sealed class CounterTests
{
    private const int Ranks = 2;
    private const int Gathers = 40; // DiagCountedGathers.Gathers
    // Per gather, each rank counts its input's bytes times the group size: int32 [3] and [64, 33], alternating.
    private const long BytesPerRank = Gathers / 2 * (3 * 4 + 64 * 33 * 4) * Ranks;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Test]
    public void Counters_from_a_live_job_add_up_to_the_gathers_it_did()
    {
        using var job = LiveJob.Start(Ranks, "diag_counted_gathers");
        var pids = job.WaitForPids(Patience);

        // Long enough for 40 gathers on a loaded 2-core machine (they take milliseconds when it is idle).
        using var status = DiagTool.Start("status", "--pids", string.Join(',', pids.Values), "--duration", "5", "--json");
        status.WaitForStderr("attached to 2 of 2", Patience);
        job.Open(); // only now: the sessions are enabled, so the rate counter sees every gather
        job.WaitForLines($"did {Gathers} gathers", Ranks, Patience);
        var gathersDoneWhileSampling = status.ExitCode is null;
        status.WaitForExit(Patience);
        TestContext.Out.WriteLine(status.Describe());
        Assert.That(status.ExitCode, Is.EqualTo(0), status.Describe);

        var report = JsonDocument.Parse(status.Stdout).RootElement.EnumerateArray().Single();
        Assert.That(report.GetProperty("verdict").GetProperty("kind").GetString(), Is.EqualTo("InStep"), status.Describe);
        foreach (var rank in report.GetProperty("ranks").EnumerateArray())
        {
            var name = $"rank {rank.GetProperty("rank").GetInt32()}";
            Assert.Multiple(() =>
            {
                Assert.That(rank.GetProperty("pid").GetInt32(), Is.EqualTo(pids[rank.GetProperty("rank").GetInt32()]), name);
                Assert.That(rank.GetProperty("completedInSample").GetInt64(), Is.EqualTo(Gathers),
                            $"{name}: sum of gathers-per-second{(gathersDoneWhileSampling ? "" : " (the sample ended before the gathers did: a very loaded machine?)")}");
                Assert.That(rank.GetProperty("lastCompletedSequence").GetInt64(), Is.EqualTo(Gathers), $"{name}: last-completed-sequence");
                Assert.That(rank.GetProperty("currentSequence").GetInt64(), Is.EqualTo(-1), $"{name}: current-sequence");
                Assert.That(rank.GetProperty("errorsInSample").GetInt64(), Is.Zero, $"{name}: errors");
                Assert.That(rank.GetProperty("bytesInSample").GetInt64(), Is.EqualTo(BytesPerRank), $"{name}: sum of bytes-per-second");
                Assert.That(rank.GetProperty("meanLatencyMs").GetDouble(), Is.GreaterThan(0), $"{name}: mean-latency");
                var stop = rank.GetProperty("lastStop");
                Assert.That(stop.GetProperty("op").GetString(), Is.EqualTo("AllGather"), $"{name}: last stop event");
                Assert.That(stop.GetProperty("sequence").GetInt64(), Is.EqualTo(Gathers), $"{name}: last stop event");
                Assert.That(stop.GetProperty("groupSize").GetInt32(), Is.EqualTo(Ranks), $"{name}: last stop event");
            });
        }

        job.Release();
        Assert.That(job.WaitForExit(Patience), Is.EqualTo(0), () => $"the job after release\n{job.Describe()}");
        Assert.That(job.LivingRanks(), Is.Empty, "rank processes alive after mpiexec ended");
    }
}
