using NUnit.Framework;

namespace MlxMpi.Tests.Mpi;

/// <summary>
/// Jobs that end with collectives still queued (issue: every rank queued 200 AllGatherAsync and returned from Main,
/// and the job hung). Exit lets them finish before MPI_Finalize; if they cannot (the ranks queued different ones), the
/// job is aborted within seconds, non-zero, with a message, instead of hanging. One 2-rank launch each.
/// </summary>
[Category("Mpi")]
public sealed class ShutdownTests
{
    private static readonly TimeSpan LaunchTimeout = TimeSpan.FromSeconds(90);

    [TestCase("queued_at_return")]
    [TestCase("queued_at_environment_exit")]
    public void Queued_collectives_complete_and_the_job_exits_cleanly(string scenario)
    {
        var run = MpiLauncher.RunUnderMpiexec(2, [scenario], LaunchTimeout);
        Assert.That(run.TimedOut, Is.False, $"the job hung\n{run.Describe()}");
        run.AssertExitedCleanly();
        run.AssertScenarioPassed(scenario, 2);
        Assert.That(run.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), run.Describe());
    }

    [Test]
    public void Unmatched_queued_collectives_abort_the_job_within_seconds()
    {
        var run = MpiLauncher.RunUnderMpiexec(2, ["queued_at_exit_unmatched"], LaunchTimeout);
        Assert.That(run.TimedOut, Is.False, $"the job hung\n{run.Describe()}");
        Assert.That(run.ExitCode, Is.Not.EqualTo(0), run.Describe());
        Assert.That(run.Stderr, Does.Contain("still queued or running").And.Contain("aborting the job"), run.Describe());
        // 10 s of waiting for the queue to drain, plus start-up.
        Assert.That(run.Elapsed, Is.LessThan(TimeSpan.FromSeconds(40)), run.Describe());
    }
}
