namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// The reductions, SumScatter and Send/Recv of GPU arrays (device memory of the CUDA test double, or of a real GPU),
/// on the staging or direct path the launch forces: every dtype and op, inline-sized and larger, a native stream,
/// Into a GPU output, Async; results stay on the input's device and equal the reference, element by element.
/// </summary>
internal static class GpuReduce
{
    [Scenario("gpu_reduce", Suite.Gpu)] public static void Run(ScenarioContext context)
    {
        var (world, gpu) = (context.World, Device.Gpu(0));
        foreach (var dtype in Dtypes.All)
        {
            foreach (var op in Enum.GetValues<ReductionReference.Op>())
            {
                foreach (var shape in new[] { new[] { 3 }, new[] { 300, 7 } })
                {
                    var stream = shape[0] > 10 ? Stream.FromNative(gpu, 0) : Stream.DefaultFor(gpu);
                    ReduceCheck.Run(context, world, $"gpu {dtype}", op, r => TestData.ExactSums(dtype, shape, context.SeedFor(r, (int)dtype, (int)op, shape[0])),
                        (x, g) => GpuGather.OnGpu(context, x, gpu, onDevice => op switch
                        {
                            ReductionReference.Op.Sum => Distributed.AllSum(onDevice, g, stream),
                            ReductionReference.Op.Max => Distributed.AllMax(onDevice, g, stream),
                            _ => Distributed.AllMin(onDevice, g, stream),
                        }));
                }
            }

            // SumScatter of a GPU array.
            var n = world.Size;
            HostArray Input(int rank) => TestData.ExactSums(dtype, [50 * n, 3], context.SeedFor(rank, (int)dtype, 900));
            var whole = ReductionReference.Of(ReductionReference.Op.Sum, [.. Enumerable.Range(0, n).Select(Input)]);
            using (var host = Dtypes.ToMlx(Input(world.Rank)))
            {
                var share = GpuGather.OnGpu(context, host, gpu, onDevice => Distributed.SumScatter(onDevice, world));
                using (share)
                    context.ExpectValues(ReductionReference.Rows(whole, world.Rank, n), share, $"gpu SumScatter {dtype}");
            }
        }

        // Into a GPU output, twice, and Async.
        using (var output = MlxArray.Zeros([64, 4], Dtype.Float32).ToDevice(gpu))
        {
            for (var round = 0; round < 2; round++)
            {
                ReduceCheck.Run(context, world, $"gpu AllSumInto round {round}", ReductionReference.Op.Sum,
                    r => TestData.ExactSums(Dtype.Float32, [64, 4], context.SeedFor(r, 950, round)),
                    (x, g) => GpuGather.OnGpu(context, x, gpu, onDevice => { Distributed.AllSumInto(onDevice, output, g); return output.ToHost(); }));
            }
        }
        ReduceCheck.Run(context, world, "gpu AllSumAsync", ReductionReference.Op.Sum, r => TestData.ExactSums(Dtype.Float16, [128], context.SeedFor(r, 960)),
            (x, g) => GpuGather.OnGpu(context, x, gpu, onDevice => Distributed.AllSumAsync(onDevice, g).GetAwaiter().GetResult()));

        // Send a GPU array around the ring; receive it onto the GPU.
        var previous = PeerRing.Previous(world);
        using var mine = Dtypes.ToMlx(TestData.Random(Dtype.Int16, [400], context.SeedFor(world.Rank, 970)));
        using var onGpu = mine.ToDevice(gpu);
        var received = PeerRing.SendOnward(world, onGpu);
        using (received)
        {
            context.ExpectEqual(received.Device, gpu, "RecvLike of a GPU array: the result's device");
            using var back = received.ToHost();
            context.ExpectValues(TestData.Random(Dtype.Int16, [400], context.SeedFor(previous, 970)), back, "Send/RecvLike of a GPU array");
        }
    }
}
