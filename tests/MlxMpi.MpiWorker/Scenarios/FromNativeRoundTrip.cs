namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Group.NativeHandle and Group.FromNative under whichever MPI launched the job (Open MPI's pointer handles, MPICH's
/// int handles): a split's handle, adopted again, is a new duplicate with the same members in the same order, gathers
/// every rank's random values, and the original stays usable after the adopted one is disposed.
/// </summary>
internal static class FromNativeRoundTrip
{
    [Scenario("from_native_round_trip", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        var members = SplitModel.Members(world.Size, world.Rank, color: r => r % 2, key: r => -r);
        using var split = world.Split(world.Rank % 2, world.Size - world.Rank);
        var handle = split.NativeHandle;
        context.Expect(handle != 0, "a split's NativeHandle is 0");
        context.ExpectEqual(split.NativeHandle, handle, "NativeHandle read twice");

        using (var adopted = Group.FromNative(handle))
        {
            SplitModel.ExpectShape(context, adopted, members, world.Rank, "FromNative(split.NativeHandle)");
            context.Expect(adopted.NativeHandle != handle, "FromNative returned the caller's own communicator, not a duplicate");
            GatherCheck.Run(context, adopted, "Float32 on the adopted split",
                groupRank => TestData.Random(Dtype.Float32, [3, 2], context.SeedFor(members[groupRank], 1)));
        }
        GatherCheck.Run(context, split, "Int64 on the split after the adopted group was disposed",
            groupRank => TestData.Random(Dtype.Int64, [5], context.SeedFor(members[groupRank], 2)));
    }
}
