namespace MlxMpi.Tests.Facade;

/// <summary>Group.FromNative and NativeHandle outside any MPI job (this test process never starts MPI).</summary>
public sealed class GroupNativeTests
{
    [Test]
    public void FromNative_before_MPI_is_initialised_says_to_start_MPI_first()
    {
        if (!Distributed.IsAvailable())
            Assert.Ignore("the MlxMpi shim cannot be loaded here");
        var e = Assert.Throws<DistributedException>(() => Group.FromNative(0x44000000));
        Assert.That(e!.Message, Does.Contain("MPI is not initialised").And.Contain("new MPI.Environment(ref args)"));
    }

    [Test]
    public void The_singleton_group_has_no_native_handle()
    {
        var singleton = Distributed.Init();
        Assume.That(singleton.Size, Is.EqualTo(1), "this test process is not an MPI job");
        var e = Assert.Throws<InvalidOperationException>(() => _ = singleton.NativeHandle);
        Assert.That(e!.Message, Does.Contain("singleton"));
    }
}
