using MlxMpi.Diag;

namespace MlxMpi.Tests.Diag;

/// <summary>
/// The verdicts of `mlxmpi-diag status` for rank positions that a live test cannot easily stage (a desync, a rank
/// that is silent, a job stopped outside any collective): the analysis is pure, so it is checked on snapshots.
/// </summary>
[Category("Diag")]
public sealed class StragglerAnalysisTests
{
    private static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(1);

    [Test]
    public void Ranks_outside_the_collective_the_others_wait_in_are_the_stragglers()
    {
        var verdict = Judge(InCollective(0, 7, 5000), Outside(1, 6), InCollective(2, 7, 4900), Outside(3, 6));
        Assert.That(verdict.Kind, Is.EqualTo(VerdictKind.Straggler));
        Assert.That(verdict.Ranks, Is.EqualTo(new[] { 1, 3 }));
        Assert.That(verdict.Text, Does.StartWith("straggler: ranks 1, 3 have not reached #7, which ranks 0, 2 have been waiting in for 5.0 s"));
    }

    [Test]
    public void A_rank_still_in_an_earlier_collective_is_behind()
    {
        var verdict = Judge(InCollective(0, 7, 3000), InCollective(1, 6, 200));
        Assert.That(verdict.Kind, Is.EqualTo(VerdictKind.Straggler));
        Assert.That(verdict.Ranks, Is.EqualTo(new[] { 1 }));
        Assert.That(verdict.Text, Does.Contain("rank 1 is in #6"));
    }

    [Test]
    public void Ranks_waiting_in_different_collectives_are_desynced()
    {
        var verdict = Judge(InCollective(0, 7, 3000), InCollective(1, 8, 3000), InCollective(2, 7, 3000));
        Assert.That(verdict.Kind, Is.EqualTo(VerdictKind.Desync));
        Assert.That(verdict.Ranks, Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(verdict.Text, Does.Contain("ranks 0, 2 in #7; rank 1 (pid 1001) in #8"));
    }

    [Test]
    public void A_rank_past_the_collective_the_others_wait_in_is_desynced()
    {
        var verdict = Judge(InCollective(0, 7, 3000), InCollective(1, 7, 3000), Outside(2, 7));
        Assert.That(verdict.Kind, Is.EqualTo(VerdictKind.Desync));
        Assert.That(verdict.Ranks, Is.EqualTo(new[] { 2 }));
        Assert.That(verdict.Text, Does.Contain("rank 2 completed #7"));
    }

    [Test]
    public void When_every_reporting_rank_waits_the_silent_ones_are_suspects()
    {
        var verdict = Judge(InCollective(0, 3, 9000), InCollective(1, 3, 9000), Silent(2));
        Assert.That(verdict.Kind, Is.EqualTo(VerdictKind.AllWaiting));
        Assert.That(verdict.Ranks, Is.EqualTo(new[] { 2 }));
    }

    [Test]
    public void A_job_stopped_outside_collectives_names_the_ranks_behind()
    {
        var verdict = Judge(Outside(0, 12), Outside(1, 12), Outside(2, 11));
        Assert.That(verdict.Kind, Is.EqualTo(VerdictKind.Straggler));
        Assert.That(verdict.Ranks, Is.EqualTo(new[] { 2 }));
    }

    [Test]
    public void Short_collectives_and_progress_are_not_a_problem()
    {
        Assert.That(Judge(InCollective(0, 90, 3, completed: 50), Outside(1, 89, completed: 49)).Kind, Is.EqualTo(VerdictKind.Running));
        Assert.That(Judge(Outside(0, 12), Outside(1, 12)).Kind, Is.EqualTo(VerdictKind.InStep));
        Assert.That(Judge(Silent(0), Silent(1)).Kind, Is.EqualTo(VerdictKind.NoData));
    }

    private static Verdict Judge(params RankSnapshot[] ranks) => StragglerAnalysis.Judge(ranks, StuckAfter);

    private static RankSnapshot InCollective(int rank, long sequence, double elapsedMs, long completed = 0) =>
        Snapshot(rank, sequence, elapsedMs, sequence - 1, completed);

    private static RankSnapshot Outside(int rank, long lastCompleted, long completed = 0) =>
        Snapshot(rank, -1, 0, lastCompleted, completed);

    private static RankSnapshot Silent(int rank) => Snapshot(rank, -1, 0, -1, 0) with { HasData = false };

    private static RankSnapshot Snapshot(int rank, long current, double elapsedMs, long lastCompleted, long completed) =>
        new(new RankProcess(1000 + rank, rank, 4, "job", true, "dotnet app.dll", null), rank, true, current, elapsedMs, null,
            lastCompleted, completed, 0, 0, null, null, null);
}
