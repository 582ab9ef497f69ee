using MlxMpi.Runtime;

namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// The host program initialised MPI through its own binding (HostMpi), then calls Distributed.Init: MlxMpi must
/// share that MPI (the world is the launcher's, a gather of random data is right) and leave the host's
/// communicators alone: MPI_COMM_WORLD and MPI_COMM_SELF still have MPI_ERRORS_ARE_FATAL, MPI's default, after Init
/// and after a collective (before: MlxMpi set MPI_ERRORS_RETURN on both). The host finalizes MPI at the end.
/// </summary>
internal static class HostInitialisedMpi
{
    [Scenario("host_initialised_mpi", Suite.HostInitialised, NeedsWorld = false)] public static void Run(ScenarioContext context)
    {
        var launcher = LauncherEnvironment.Current();
        var host = new HostMpi(mpich: launcher.MpiFamily == "mpich");
        host.Init();
        void ExpectHostHandlers(string when)
        {
            context.ExpectEqual(host.Name(host.ErrhandlerOf(host.World)), "MPI_ERRORS_ARE_FATAL", $"MPI_COMM_WORLD's handler {when}");
            context.ExpectEqual(host.Name(host.ErrhandlerOf(host.Self)), "MPI_ERRORS_ARE_FATAL", $"MPI_COMM_SELF's handler {when}");
        }
        ExpectHostHandlers("before Distributed.Init");

        var world = Distributed.Init(strict: true);
        context.ExpectEqual<int?>(world.Rank, launcher.Rank, "world Rank vs the launcher");
        context.ExpectEqual<int?>(world.Size, launcher.Size, "world Size vs the launcher");
        ExpectHostHandlers("after Distributed.Init");
        GatherCheck.Run(context, world, "gather on the host's MPI", r => TestData.Random(Dtype.Int64, [3], context.SeedFor(r)));
        ExpectHostHandlers("after a gather");

        // MlxMpi never finalizes what it did not initialise: the host does, after MlxMpi's last collective.
        host.FinalizeMpi();
    }
}
