namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>The Device overload and an explicit CPU stream order the same gather: identical results, on the CPU.</summary>
internal static class DeviceAndStream
{
    [Scenario("device_and_stream", Suite.General)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        var stream = Stream.DefaultFor(Device.Cpu);
        context.ExpectEqual(stream.Device, Device.Cpu, "Stream.DefaultFor(Device.Cpu).Device");

        HostArray Input(int rank) => TestData.Random(Dtype.Float16, [3, 4], context.SeedFor(rank));
        GatherCheck.Run(context, world, "AllGather(x, group, Device.Cpu)", Input, (x, g) => Expect(context, Distributed.AllGather(x, g, Device.Cpu)));
        GatherCheck.Run(context, world, "AllGather(x, group, Stream.DefaultFor(Device.Cpu))", Input, (x, g) => Expect(context, Distributed.AllGather(x, g, stream)));
        GatherCheck.Run(context, world, "AllGather(x, group, (Stream?)null)", Input, (x, g) => Expect(context, Distributed.AllGather(x, g, (Stream?)null)));
    }

    // The result lives on the input's device.
    private static MlxArray Expect(ScenarioContext context, MlxArray result)
    {
        context.ExpectEqual(result.Device, Device.Cpu, "result Device");
        return result;
    }
}
