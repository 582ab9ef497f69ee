namespace MlxMpi.Tests.Facade;

/// <summary>The test process is not under mpiexec: Init must give the singleton group without starting MPI.</summary>
public sealed class SingletonGroupTests
{
    [OneTimeSetUp]
    public void RequireNoLauncher()
    {
        if (LauncherEnvironmentIsSet())
            Assert.Ignore("the test process itself runs under an MPI launcher");
    }

    [Test]
    public void Init_outside_a_launcher_returns_one_singleton_group()
    {
        var world = Distributed.Init();
        Assert.That((world.Rank, world.Size), Is.EqualTo((0, 1)));
        Assert.That(Distributed.Init(), Is.SameAs(world));
        Assert.That(Distributed.Init(backend: "mpi"), Is.SameAs(world));
        Assert.That(MpiRuntime.IsInitialized, Is.False, "MPI must not be started outside a launcher");
    }

    [Test]
    public void Strict_init_outside_a_launcher_says_to_use_mpiexec()
    {
        var e = Assert.Throws<DistributedException>(() => Distributed.Init(strict: true));
        Assert.That(e!.Message, Does.Contain("mpiexec"));
    }

    [Test]
    public void An_unknown_backend_is_rejected() =>
        Assert.That(() => Distributed.Init(backend: "nccl"), Throws.ArgumentException.With.Message.Contains("nccl"));

    [Test]
    public void AllGather_on_a_group_of_one_returns_the_input_itself()
    {
        var data = new[] { 3.5f, -1.25f, 8f };
        using var x = MlxArray.FromArray(data);
        Assert.That(Distributed.AllGather(x), Is.SameAs(x));
        Assert.That(Distributed.AllGather(x, Distributed.Init(), Device.Cpu), Is.SameAs(x));
        Assert.That(Distributed.AllGather(x, null, Stream.DefaultFor(Device.Cpu)), Is.SameAs(x));
        Assert.That(x.ToArray<float>(), Is.EqualTo(data));
    }

    [Test]
    public void AllGatherInto_on_a_group_of_one_copies_the_logical_values_into_the_output()
    {
        var random = new Random(TestContext.CurrentContext.Random.Next());
        var data = Enumerable.Range(0, 12).Select(_ => random.NextDouble() + 0.5).ToArray();
        using var x = MlxArray.FromArray(data, 3, 4);
        using var view = x.Transpose();
        using var output = MlxArray.FromArray(Enumerable.Repeat(-99.0, 12).ToArray(), 4, 3);
        Distributed.AllGatherInto(view, output);
        var expected = new double[12];
        for (var i = 0; i < 4; i++)
            for (var j = 0; j < 3; j++)
                expected[i * 3 + j] = data[j * 4 + i];
        Assert.That(output.ToArray<double>(), Is.EqualTo(expected));

        using var wrong = MlxArray.Zeros([3, 4], Dtype.Float64);
        Assert.That(() => Distributed.AllGatherInto(view, wrong), Throws.ArgumentException.With.Message.Contains("(4, 3)"));
        Assert.That(() => Distributed.AllGatherInto(view, null!), Throws.ArgumentNullException);
        Assert.That(() => Distributed.AllGatherInto(x, x), Throws.ArgumentException.With.Message.Contains("share memory"));
    }

    [Test]
    public void Split_of_the_singleton_is_a_singleton_and_rejects_a_negative_color()
    {
        using var sub = Distributed.Init().Split(5);
        Assert.That((sub.Rank, sub.Size), Is.EqualTo((0, 1)));
        Assert.That(() => Distributed.Init().Split(-1), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Bad_input_on_a_group_of_one_throws_locally()
    {
        Assert.That(() => Distributed.AllGather(null!), Throws.ArgumentNullException);
        var x = MlxArray.FromArray(new[] { 1, 2 });
        x.Dispose();
        Assert.That(() => Distributed.AllGather(x), Throws.InstanceOf<ObjectDisposedException>());
        using var y = MlxArray.FromArray(new[] { 1, 2 });
        Assert.That(() => Distributed.AllGather(y, null, Device.Gpu()), Throws.ArgumentException.With.Message.Contains("stream"));
    }

    [Test]
    public void Disposing_the_world_keeps_it_usable()
    {
        var world = Distributed.Init();
        world.Dispose();
        using var x = MlxArray.FromArray(new[] { 7L });
        Assert.That(Distributed.AllGather(x, world), Is.SameAs(x));
    }

    private static bool LauncherEnvironmentIsSet() => MlxMpi.Runtime.LauncherEnvironment.Current().StartsMpi;
}
