namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// GPU cases where one rank differs: the last rank passes a host array where the others pass GPU arrays, a CPU stream
/// for its GPU array, or has its device copy fail (the CUDA double's injected failure). Every rank throws (no hang),
/// and the next GPU gather is correct.
/// </summary>
internal static class GpuBadInput
{
    [Scenario("gpu_bad_input", Suite.Gpu)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        var last = world.Size - 1;
        var gpu = Device.Gpu(0);

        Expect(context, "host array among GPU arrays", () =>
        {
            using var host = Dtypes.ToMlx(TestData.Random(Dtype.Float32, [8, 8], context.SeedFor(world.Rank)));
            using var x = world.Rank == last ? host.ToHost() : host.ToDevice(gpu);
            Distributed.AllGather(x, world).Dispose();
        }, mismatchOnLast: true, lastMayThrow: e => e is CollectiveMismatchException);

        Expect(context, "CPU stream for a GPU array", () =>
        {
            using var host = Dtypes.ToMlx(TestData.Random(Dtype.Float32, [8, 8], context.SeedFor(world.Rank, 1)));
            using var x = host.ToDevice(gpu);
            Distributed.AllGather(x, world, world.Rank == last ? Stream.DefaultFor(Device.Cpu) : Stream.DefaultFor(gpu)).Dispose();
        }, mismatchOnLast: true, lastMayThrow: e => e is ArgumentException);

        if (CudaDouble.IsConfigured && Environment.GetEnvironmentVariable("MLXMPI_GPU_PATH") == "staging")
        {
            Expect(context, "failing device copy", () =>
            {
                using var host = Dtypes.ToMlx(TestData.Random(Dtype.Float64, [300, 3], context.SeedFor(world.Rank, 2)));
                using var x = host.ToDevice(gpu);
                if (world.Rank == last)
                    CudaDouble.FailCopyAfter(0); // the staging copy out of x
                Distributed.AllGather(x, world).Dispose();
            }, mismatchOnLast: false, lastMayThrow: e => e is DistributedException);
        }

        GatherCheck.Run(context, world, "gpu after the bad inputs", r => TestData.Random(Dtype.UInt16, [33, 3], context.SeedFor(r, 3)),
            (x, g) => GpuGather.OnGpu(context, x, gpu, onDevice => Distributed.AllGather(onDevice, g)));
    }

    /// <summary>
    /// Runs one case: every rank must throw; the last rank an exception its predicate accepts, the others a
    /// DistributedException (a CollectiveMismatchException naming the last rank when <paramref name="mismatchOnLast"/>).
    /// </summary>
    private static void Expect(ScenarioContext context, string what, Action gather, bool mismatchOnLast, Func<Exception, bool> lastMayThrow)
    {
        var last = context.World.Size - 1;
        try
        {
            gather();
            context.Fail($"{what}: the gather returned");
        }
        catch (Exception e) when (context.Rank == last)
        {
            context.Expect(lastMayThrow(e), $"{what}: rank {last} got {Failures.Describe(e)}");
        }
        catch (DistributedException e)
        {
            context.Expect(MessageText.NamesRank(e.Message, last), $"{what}: the message does not name rank {last}: {e.Message}");
            if (mismatchOnLast)
                context.Expect(e is CollectiveMismatchException m && m.Ranks.Contains(last), $"{what}: expected a CollectiveMismatchException naming rank {last}, got {Failures.Describe(e)}");
        }
        catch (Exception e)
        {
            context.Fail($"{what}: expected a DistributedException, got {Failures.Describe(e)}");
        }
    }
}
