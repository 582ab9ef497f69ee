namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Gathers of GPU arrays (device memory of the CUDA test double, or of a real GPU) for every dtype, with the default
/// stream and a native one: the result lives on the input's device and equals the concatenation, element by element
/// (read back through ToHost). Also AllGatherInto a GPU output, AllGatherUneven and AllGatherAsync of GPU arrays, and
/// a transposed GPU view.
/// </summary>
internal static class GpuGather
{
    [Scenario("gpu_gather", Suite.Gpu)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        var gpu = Device.Gpu(0);
        foreach (var dtype in Dtypes.All)
        {
            foreach (var shape in new[] { new[] { 3, 2 }, new[] { 700, 9 } })
            {
                var stream = shape[0] > 10 ? Stream.FromNative(gpu, 0) : Stream.DefaultFor(gpu);
                GatherCheck.Run(context, world, $"gpu {dtype}", r => TestData.Random(dtype, shape, context.SeedFor(r, (int)dtype, shape[0])),
                    (x, g) => OnGpu(context, x, gpu, onDevice => Distributed.AllGather(onDevice, g, stream)));
            }
        }

        // Into a GPU output reused twice.
        var intoShape = new[] { 40 * world.Size, 5 };
        using (var output = Dtypes.ToMlx(TestData.Random(Dtype.Float32, intoShape, context.SeedFor(-1))).ToDevice(gpu))
        {
            for (var round = 0; round < 2; round++)
            {
                GatherCheck.Run(context, world, $"gpu into, round {round}", r => TestData.Random(Dtype.Float32, [40, 5], context.SeedFor(r, 50, round)),
                    (x, g) => OnGpu(context, x, gpu, onDevice => { Distributed.AllGatherInto(onDevice, output, g); return output.ToHost(); }));
            }
        }

        // Uneven rows and async, on the GPU.
        UnevenRandom.Check(context, world, "gpu uneven", r => TestData.Random(Dtype.Int64, [r * 3 + 1, 4], context.SeedFor(r, 60)));
        GatherCheck.Run(context, world, "gpu async", r => TestData.Random(Dtype.BFloat16, [64, 3], context.SeedFor(r, 70)),
            (x, g) => OnGpu(context, x, gpu, onDevice => Distributed.AllGatherAsync(onDevice, g).GetAwaiter().GetResult()));

        // A strided view of device memory is gathered by its logical values.
        GatherCheck.Run(context, world, "gpu transposed view", r => TestData.Random(Dtype.Int32, [6, 50], context.SeedFor(r, 80)).Transpose([1, 0]),
            (x, g) =>
            {
                // x holds the transposed values; build the same logical values as a strided view on the GPU.
                using var host = x.Transpose(); // back to the (6, 50) layout, as a view
                using var packed = host.Reshape(6, 50);
                using var onDevice = packed.ToDevice(gpu);
                using var view = onDevice.Transpose();
                using var gathered = Distributed.AllGather(view, g);
                context.ExpectEqual(gathered.Device, gpu, "the result's device");
                return gathered.ToHost();
            });
    }

    /// <summary>Moves x to the GPU, runs the gather there, checks the result stayed on the GPU, and returns it on the host.</summary>
    internal static MlxArray OnGpu(ScenarioContext context, MlxArray x, Device gpu, Func<MlxArray, MlxArray> gather)
    {
        using var onDevice = x.ToDevice(gpu);
        context.ExpectEqual(onDevice.Device, gpu, "the input's device after ToDevice");
        var result = gather(onDevice);
        if (ReferenceEquals(result, onDevice))
            return x; // a group of one hands back the input itself
        using (result)
        {
            if (result.Device.Type != DeviceType.Cpu)
                context.ExpectEqual(result.Device, gpu, "the result's device");
            return result.ToHost();
        }
    }
}
