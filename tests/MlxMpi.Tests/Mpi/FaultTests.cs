using NUnit.Framework;

namespace MlxMpi.Tests.Mpi;

/// <summary>
/// A rank that dies in the middle of a loop of gathers, while the other ranks wait for it in the next collective:
/// the job must end by itself with a non-zero exit within 30 s of the death, and no rank process may be left
/// behind. One 3-rank launch per fault; the last rank dies after 41 verified gathers (see FaultInjection).
/// </summary>
[Category("Mpi")]
[Category("Fault")]
public sealed class FaultTests
{
    private const int Ranks = 3;
    private static readonly TimeSpan EndWithin = TimeSpan.FromSeconds(30);
    // Start-up plus the 30 s allowed plus slack: long enough to tell a slow end from a hang (the launch is killed
    // then), short enough to keep a failing run cheap.
    private static readonly TimeSpan LaunchTimeout = TimeSpan.FromSeconds(60);

    [Test]
    public void A_rank_killed_with_SIGKILL_ends_the_job()
    {
        var end = JobEnd.Launch(Ranks, "fault_sigkill", LaunchTimeout);
        AssertGathersBeforeTheFaultWereRight(end, "fault_sigkill");
        end.AssertEndedAfterFault(EndWithin, faultyRank: Ranks - 1);
        Assert.That(end.Faults.Single().What, Does.StartWith("SIGKILL to pid"));
    }

    [Test]
    public void A_rank_with_an_unhandled_exception_ends_the_job()
    {
        var end = JobEnd.Launch(Ranks, "fault_unhandled_thread", LaunchTimeout);
        AssertGathersBeforeTheFaultWereRight(end, "fault_unhandled_thread");
        end.AssertEndedAfterFault(EndWithin, faultyRank: Ranks - 1);
        // The runtime reports the exception it ended the process for.
        Assert.That(end.Run.Stderr, Does.Contain("Unhandled exception").And.Contain("deliberate unhandled exception"));
    }

    /// <summary>
    /// Environment.Exit(3) on one rank while the others wait in a gather: MlxMpi's ProcessExit handler sees the non-zero
    /// exit code and calls MPI_Abort instead of MPI_Finalize (which in Open MPI 4.1 would wait for the other ranks, who
    /// wait for this one), so the job ends at once, with no collective timeout needed.
    /// </summary>
    [Test]
    public void A_rank_that_exits_early_with_an_error_ends_the_job()
    {
        var end = JobEnd.Launch(Ranks, "fault_exit_early", LaunchTimeout);
        AssertGathersBeforeTheFaultWereRight(end, "fault_exit_early");
        end.AssertEndedAfterFault(EndWithin, faultyRank: Ranks - 1);
        Assert.That(end.Run.ExitCode, MpiLauncher.AbortedJobExitCode(3), "the exiting rank aborted the job with its exit code");
        // The reason reaches the launcher's output although the abort follows at once (mlxmpi_abort waits until the
        // launcher has read it: before, MPICH's launcher dropped it in about 1 abort in 20).
        Assert.That(end.Run.Stderr, Does.Contain($"MlxMpi: rank {Ranks - 1} is exiting with code 3; ending the job with MPI_Abort(3)"),
                    end.Run.Describe());
    }

    /// <summary>Every rank verified every element of the gathers before the fault (the scenario prints it).</summary>
    private static void AssertGathersBeforeTheFaultWereRight(JobEnd end, string scenario)
    {
        for (var rank = 0; rank < Ranks; rank++)
        {
            Assert.That(end.Run.Stdout, Does.Contain($"INFO {rank} {scenario}: 40 gathers verified, failures: none"),
                $"rank {rank}'s gathers before the fault\n{end.Run.Describe()}");
        }
    }
}
