using System.Text.Json;
using System.Text.RegularExpressions;

namespace MlxMpi.Tests.Diag;

/// <summary>
/// A 3-rank job in which world rank 1 sleeps before a gather that ranks 0 and 2 wait in (the worker's
/// diag_straggler): `mlxmpi-diag ps` must list the three ranks of one job, and `mlxmpi-diag status` must name
/// rank 1 as the straggler. Released afterwards, the job must still finish cleanly: watching it disturbed nothing.
/// </summary>
[Category("Diag")]
[Category("Mpi")]
[NonParallelizable]
public sealed class StatusTests
{
    private const int Ranks = 3;
    private const int Straggler = 1;        // DiagStraggler.StragglerRank
    private const int StuckSequence = 4;    // DiagStraggler.WarmUpGathers + 1: the world's 4th collective
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Test]
    public void Ps_lists_the_ranks_and_status_names_the_rank_that_sleeps_before_a_gather()
    {
        using var job = LiveJob.Start(Ranks, "diag_straggler");
        var pids = job.WaitForPids(Patience);
        job.WaitForLines("waiting in the last gather", Ranks - 1, Patience);
        job.WaitForLines("straggling", 1, Patience);

        using (var ps = DiagTool.Run(Patience, "ps", "--json"))
        {
            Assert.That(ps.ExitCode, Is.EqualTo(0), ps.Describe);
            var listed = JsonDocument.Parse(ps.Stdout).RootElement.EnumerateArray()
                .Where(p => pids.Values.Contains(p.GetProperty("pid").GetInt32())).ToList();
            Assert.That(listed.Select(p => (p.GetProperty("pid").GetInt32(), p.GetProperty("rank").GetInt32())),
                        Is.EquivalentTo(pids.Select(p => (p.Value, p.Key))), "pid and rank of each rank\n" + ps.Describe());
            Assert.That(listed.Select(p => p.GetProperty("size").GetInt32()), Is.All.EqualTo(Ranks), "world size");
            Assert.That(listed.Select(p => p.GetProperty("job").GetString()).Distinct().Count(), Is.EqualTo(1), "one job");
            Assert.That(listed.Select(p => p.GetProperty("mlxmpi").GetBoolean()), Is.All.True, "MlxMpi loaded");
        }

        using (var status = DiagTool.Run(Patience, "status", "--pids", string.Join(',', pids.Values), "--duration", "1", "--stuck-after", "0.5"))
        {
            TestContext.Out.WriteLine(status.Describe());
            Assert.That(status.ExitCode, Is.EqualTo(0), status.Describe);
            var text = status.Stdout;
            Assert.That(text, Does.Match($@"(?m)^straggler: rank {Straggler} \(pid {pids[Straggler]}\) has not reached #{StuckSequence}, which ranks 0, 2 have been waiting in"),
                        status.Describe);
            foreach (var (rank, pid) in pids)
            {
                // RANK PID STATE COLLECTIVE ELAPSED LAST-DONE: the waiting ranks are in #4, the straggler outside; all completed #3.
                var row = rank == Straggler
                    ? $@"(?m)^{rank}\s+{pid}\s+outside\s+-\s+-\s+#{StuckSequence - 1}\s"
                    : $@"(?m)^{rank}\s+{pid}\s+in collective\s+#{StuckSequence}\s+\d+\.\d s\s+#{StuckSequence - 1}\s";
                Assert.That(text, Does.Match(row), $"the row of rank {rank}\n{status.Describe()}");
            }
        }

        job.Release();
        Assert.That(job.WaitForExit(Patience), Is.EqualTo(0), () => $"the job after release\n{job.Describe()}");
        Assert.That(Regex.Matches(job.Output, @"(?m)^RESULT \d+ diag_straggler PASS").Count, Is.EqualTo(Ranks), job.Describe);
        Assert.That(job.LivingRanks(), Is.Empty, "rank processes alive after mpiexec ended");
    }
}
