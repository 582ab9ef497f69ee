using NUnit.Framework;

namespace MlxMpi.Tests.Unit;

public class StreamTests
{
    [Test]
    public void EachDeviceHasOneDefaultStream()
    {
        var cpu = Stream.DefaultFor(Device.Cpu);
        Assert.That(Stream.DefaultFor(Device.Cpu), Is.SameAs(cpu));
        Assert.That(Stream.DefaultFor(new Device(DeviceType.Cpu, 0)), Is.SameAs(cpu));
        Assert.That(cpu.Device, Is.EqualTo(Device.Cpu));
        Assert.That(cpu.IsDefault, Is.True);
        Assert.That(cpu.NativeHandle, Is.EqualTo((nint)0));
        var gpu = Stream.DefaultFor(Device.Gpu(1));
        Assert.That(gpu, Is.Not.SameAs(cpu));
        Assert.That(gpu.Device, Is.EqualTo(Device.Gpu(1)));
        Assert.That(Stream.DefaultFor(Device.Gpu(1)), Is.SameAs(gpu));
        Assert.That(Stream.DefaultFor(Device.Gpu(0)), Is.Not.SameAs(gpu));
    }

    [Test]
    public void NativeStreamsKeepTheirHandle()
    {
        var cpu = Stream.FromNative(Device.Cpu, 0);
        Assert.That(cpu.Device, Is.EqualTo(Device.Cpu));
        Assert.That(cpu.IsDefault, Is.False);
        Assert.That(cpu, Is.Not.SameAs(Stream.DefaultFor(Device.Cpu)));
        var gpu = Stream.FromNative(Device.Gpu(0), 0x7f00_1234);
        Assert.That(gpu.NativeHandle, Is.EqualTo((nint)0x7f00_1234));
        Assert.That(gpu.Device, Is.EqualTo(Device.Gpu()));
        Assert.That(Stream.FromNative(Device.Gpu(0), 0x7f00_1234), Is.Not.SameAs(gpu));
    }

    [Test]
    public void ToStringNamesTheDevice()
    {
        Assert.That(Stream.DefaultFor(Device.Cpu).ToString(), Is.EqualTo("Stream(Device(cpu, 0), default)"));
        Assert.That(Stream.FromNative(Device.Gpu(1), 0xabc).ToString(), Is.EqualTo("Stream(Device(gpu, 1), 0xabc)"));
    }
}
