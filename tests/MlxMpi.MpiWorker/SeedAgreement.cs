namespace MlxMpi.MpiWorker;

/// <summary>Without <c>--seed</c>, rank 0 draws a fresh seed and every rank takes it from one gather.</summary>
internal static class SeedAgreement
{
    public static ulong Agree(Group? world)
    {
        var proposal = (long)(Random.Shared.NextInt64() & long.MaxValue);
        if (world is null || world.Size == 1)
            return (ulong)proposal;
        using var mine = MlxArray.Scalar(proposal);
        using var all = Distributed.AllGather(mine, world);
        return (ulong)all.ToArray<long>()[0];
    }
}
