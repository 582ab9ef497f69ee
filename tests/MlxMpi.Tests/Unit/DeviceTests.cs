using NUnit.Framework;

namespace MlxMpi.Tests.Unit;

public class DeviceTests
{
    [Test]
    public void CpuIsTheDefaultDevice()
    {
        Assert.That(Device.Cpu.Type, Is.EqualTo(DeviceType.Cpu));
        Assert.That(Device.Cpu.Index, Is.Zero);
        Assert.That(default(Device), Is.EqualTo(Device.Cpu));
        Assert.That(new Device(DeviceType.Cpu), Is.EqualTo(Device.Cpu));
        Assert.That(Device.Cpu.ToString(), Is.EqualTo("Device(cpu, 0)"));
    }

    [Test]
    public void GpusAreNumbered()
    {
        var gpu = Device.Gpu(2);
        Assert.That(gpu.Type, Is.EqualTo(DeviceType.Gpu));
        Assert.That(gpu.Index, Is.EqualTo(2));
        Assert.That(Device.Gpu(), Is.EqualTo(new Device(DeviceType.Gpu, 0)));
        Assert.That(gpu, Is.Not.EqualTo(Device.Gpu(1)));
        Assert.That(gpu == Device.Gpu(2), Is.True);
        Assert.That(gpu.GetHashCode(), Is.EqualTo(Device.Gpu(2).GetHashCode()));
        Assert.That(gpu.ToString(), Is.EqualTo("Device(gpu, 2)"));
        Assert.That(gpu with { Index = 3 }, Is.EqualTo(Device.Gpu(3)));
    }

    [Test]
    public void InvalidDevicesAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Device.Gpu(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Device(DeviceType.Cpu, -5));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Device((DeviceType)7));
    }

    [Test]
    public void DeviceTypeValuesAreStable()
    {
        Assert.That((int)DeviceType.Cpu, Is.Zero);
        Assert.That((int)DeviceType.Gpu, Is.EqualTo(1));
    }
}
