namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>Init is idempotent: every later call returns the very world object from the first, whatever its
/// arguments, and that world agrees with the launcher on rank and size.</summary>
internal static class InitTwice
{
    [Scenario("init_twice", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        context.Expect(ReferenceEquals(Distributed.Init(), world), "Init() returned a different Group than Init(strict: true)");
        context.Expect(ReferenceEquals(Distributed.Init(strict: true), world), "a second Init(strict: true) returned a different Group");
        context.Expect(ReferenceEquals(Distributed.Init(backend: "mpi"), world), "Init(backend: \"mpi\") returned a different Group");
        context.Expect(Distributed.IsAvailable(), "IsAvailable() is false inside an MPI job");
        context.ExpectEqual<int?>(world.Rank, MlxMpi.Runtime.LauncherEnvironment.Current().Rank, "world Rank vs the launcher's rank variable");
        context.ExpectEqual<int?>(world.Size, MlxMpi.Runtime.LauncherEnvironment.Current().Size, "world Size vs the launcher's size variable");
    }
}
