using System.Runtime.CompilerServices;

namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// User code dereferences null after MPI is up, catches the NullReferenceException, and gathers on. .NET raises it
/// from a SIGSEGV, and UCX (under MPICH 4 here) installs its own SIGSEGV handler at MPI_Init that turns the fault into
/// a fatal crash unless UCX_HANDLE_ERRORS=none, which MlxMpi sets before MPI_Init when the user has not. Every rank
/// dereferences null several times, then a gather of random data must still be right.
/// </summary>
internal static class NullReferenceCaught
{
    private sealed class Holder
    {
        public int Value = 1;
    }

    [Scenario("null_reference_caught", Suite.General)] public static void Run(ScenarioContext context)
    {
        context.Info($"UCX_HANDLE_ERRORS in the launch environment: {Environment.GetEnvironmentVariable("UCX_HANDLE_ERRORS") ?? "(unset)"}");
        var caught = 0;
        for (var i = 0; i < 3; i++)
        {
            try
            {
                context.Fail($"read {Read(null)} through a null reference");
            }
            catch (NullReferenceException)
            {
                caught++;
            }
        }
        context.ExpectEqual(caught, 3, "NullReferenceExceptions caught");
        GatherCheck.Run(context, context.World, "gather after caught null dereferences",
            rank => TestData.Random(Dtype.Float64, [2, 3], context.SeedFor(rank)));
    }

    // Not inlined, so the JIT cannot prove the null and throw without touching memory: the load faults (SIGSEGV).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Read(Holder? holder) => holder!.Value;
}
