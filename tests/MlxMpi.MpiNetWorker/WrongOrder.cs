namespace MlxMpi.MpiNetWorker;

/// <summary>
/// The orders that cannot work, each of which must fail with a message saying what to do: adopting a communicator
/// before any MPI runs, and MlxMpi starting MPI while MPI.NET is loaded (MPI.NET 1.4.0 cannot join an MPI someone
/// else started: its Communicator.world stays null). MPI is never started here.
/// </summary>
internal static class WrongOrder
{
    public static int Run()
    {
        MpiNetOnMpich.MapImportsToMpich(); // loads MPI.NET's assembly, as any job using it has by now
        var rank = int.TryParse(Environment.GetEnvironmentVariable("PMI_RANK"), out var r) ? r : 0;
        var report = new Report(rank);
        report.Check("from_native_before_mpi", () => Expect(() => Group.FromNative(MPI.Unsafe.MPI_COMM_WORLD), "MPI.Environment"));
        report.Check("mlx_init_before_mpinet", () => Expect(() => Distributed.Init(), "new MPI.Environment"));
        return report.Failures == 0 ? 0 : 1;
    }

    private static string? Expect(Func<object> action, string advice)
    {
        try
        {
            var result = action();
            return $"returned {result} instead of throwing a DistributedException";
        }
        catch (DistributedException e)
        {
            return e.Message.Contains(advice, StringComparison.Ordinal) ? null : $"the message does not say \"{advice}\": {e.Message}";
        }
    }
}
