namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Send, Recv and RecvLike for every dtype, inline-sized and larger than the header slot, strided sends, every rank
/// sending to the next around the ring (even ranks first, so large sends that wait for their receiver cannot
/// deadlock). Then misuse: a receive expecting another shape or dtype throws a DistributedException naming both
/// (on both ranks for messages past the inline room), and the very next message between the pair arrives intact;
/// a destination or source out of range, or this rank, is an ArgumentException that touches no other rank.
/// </summary>
internal static class PointToPointPairs
{
    [Scenario("p2p", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        var next = PeerRing.Next(world);
        var previous = PeerRing.Previous(world);
        var tag = 0;
        foreach (var dtype in Dtypes.All)
        {
            foreach (var shape in new[] { new[] { 3 }, new[] { 2, 2 }, new[] { 0 }, new[] { 50, 40 } })
            {
                tag++;
                var mine = TestData.Random(dtype, shape, context.SeedFor(world.Rank, tag));
                var theirs = TestData.Random(dtype, shape, context.SeedFor(previous, tag));
                using var x = Dtypes.ToMlx(mine);
                MlxArray? received = null;
                PeerRing.Exchange(world, () => Distributed.Send(x, next, world), () => received = Distributed.Recv(shape, dtype, previous, world));
                using (received)
                    context.ExpectValues(theirs, received!, $"Recv from rank {previous}");
            }
        }

        // A strided view is sent by its logical values; RecvLike takes the shape and dtype from an array.
        var matrix = TestData.Random(Dtype.Float64, [6, 9], context.SeedFor(world.Rank, 500));
        using (var stored = Dtypes.ToMlx(matrix))
        using (var view = stored.Transpose())
        using (var like = MlxArray.Zeros([9, 6], Dtype.Float64))
        {
            MlxArray? got = null;
            PeerRing.Exchange(world, () => Distributed.Send(view, next, world), () => got = Distributed.RecvLike(like, previous, world));
            using (got)
                context.ExpectValues(TestData.Random(Dtype.Float64, [6, 9], context.SeedFor(previous, 500)).Transpose([1, 0]), got!, "RecvLike of a transposed send");
        }

        foreach (var shape in new[] { new[] { 2 }, new[] { 300 } })
        {
            // Wrong shape, then wrong dtype: the receiver throws naming both; then the pair still works.
            foreach (var (recvShape, recvDtype) in new[] { (new[] { shape[0] + 1 }, Dtype.Float32), (shape, Dtype.Int32) })
            {
                using var x = Dtypes.ToMlx(TestData.Random(Dtype.Float32, shape, context.SeedFor(world.Rank, 600)));
                string? sendError = null, recvError = null;
                PeerRing.Exchange(world,
                     () => { try { Distributed.Send(x, next, world); } catch (DistributedException e) { sendError = e.Message; } },
                     () =>
                     {
                         try
                         {
                             Distributed.Recv(recvShape, recvDtype, previous, world).Dispose();
                             recvError = "(none)";
                         }
                         catch (DistributedException e)
                         {
                             recvError = e.Message;
                         }
                     });
                var what = $"Recv of ({string.Join(", ", recvShape)}) {recvDtype} when ({string.Join(", ", shape)}) Float32 was sent";
                context.Expect(recvError != "(none)" && recvError is not null, $"{what}: the receive did not throw");
                context.Expect(recvError is not null && MessageText.NamesShape(recvError, shape) && MessageText.NamesShape(recvError, recvShape)
                               && MessageText.NamesDtype(recvError, Dtype.Float32) && MessageText.NamesDtype(recvError, recvDtype),
                               $"{what}: the receiver's message does not name both: {recvError}");
                // Past the inline room the sender waits for the verdict, so it is told too.
                if (shape[0] * 4 > 24)
                    context.Expect(sendError is not null && MessageText.NamesShape(sendError, shape), $"{what}: the sender was not told: {sendError ?? "(no exception)"}");
                else
                    context.Expect(sendError is null, $"{what}: an eager send threw {sendError}");

                var good = TestData.Random(Dtype.UInt16, [17], context.SeedFor(world.Rank, 700));
                using var y = Dtypes.ToMlx(good);
                MlxArray? after = null;
                PeerRing.Exchange(world, () => Distributed.Send(y, next, world), () => after = Distributed.Recv([17], Dtype.UInt16, previous, world));
                using (after)
                    context.ExpectValues(TestData.Random(Dtype.UInt16, [17], context.SeedFor(previous, 700)), after!, $"the message after {what}");
            }
        }

        using var z = MlxArray.Ones([2], Dtype.Float32);
        ExpectArgument(context, "Send to this rank", () => Distributed.Send(z, world.Rank, world));
        ExpectArgument(context, "Send to rank -1", () => Distributed.Send(z, -1, world));
        ExpectArgument(context, $"Send to rank {world.Size}", () => Distributed.Send(z, world.Size, world));
        ExpectArgument(context, "Recv from this rank", () => Distributed.Recv([2], Dtype.Float32, world.Rank, world));
        ExpectArgument(context, $"Recv from rank {world.Size}", () => Distributed.Recv([2], Dtype.Float32, world.Size, world));
        using var alone = world.Split(world.Rank);
        ExpectArgument(context, "Send on a group of one", () => Distributed.Send(z, 0, alone));
        ExpectArgument(context, "Recv on a group of one", () => Distributed.Recv([2], Dtype.Float32, 0, alone));
    }

    private static void ExpectArgument(ScenarioContext context, string what, Action call)
    {
        try
        {
            call();
            context.Fail($"{what}: no exception");
        }
        catch (ArgumentException)
        {
        }
        catch (Exception e)
        {
            context.Fail($"{what}: expected ArgumentException, got {Failures.Describe(e)}");
        }
    }
}
