namespace MlxMpi.Tests.Mpi;

/// <summary>
/// A host that initialised MPI through its own binding before Distributed.Init keeps its communicators as it set
/// them (error handlers of MPI_COMM_WORLD and MPI_COMM_SELF), and MlxMpi gathers on that MPI. 2 ranks, under the
/// suite's mpiexec (Open MPI, or MPICH in TestMpich). The shim's side is tests/native/test_init_foreign.c.
/// </summary>
[Category("Mpi")]
public sealed class HostMpiTests
{
    [Test]
    public void A_host_that_initialised_MPI_keeps_its_error_handlers()
    {
        var run = MpiLauncher.RunUnderMpiexec(2, WorkerScenarios.HostInitialised, TimeSpan.FromSeconds(90));
        TestContext.Out.WriteLine(run.Describe());
        run.AssertScenarioPassed("host_initialised_mpi", 2);
        run.AssertExitedCleanly();
    }
}
