using MlxMpi.Interop;

namespace MlxMpi.Tests.Facade;

/// <summary>The shim loaded in-process without MPI started: its C and C# enums agree and its errors map to exceptions.</summary>
public sealed unsafe class NativeShimTests
{
    [Test]
    public void The_shim_loads() => Assert.That(Distributed.IsAvailable(), Is.True);

    [Test]
    public void Every_dtype_has_the_same_element_size_in_C_and_CSharp()
    {
        foreach (var dtype in Enum.GetValues<Dtype>())
            Assert.That(NativeMethods.mlxmpi_dtype_size((int)dtype), Is.EqualTo(DtypeInfo.SizeOf(dtype)), dtype.ToString());
        Assert.That(NativeMethods.mlxmpi_dtype_size(Enum.GetValues<Dtype>().Length), Is.Zero);
    }

    [Test]
    public void An_invalid_argument_becomes_an_ArgumentException_with_the_shim_message()
    {
        var status = NativeMethods.mlxmpi_allgather(null, null, null, 1, (int)Dtype.Int32);
        var e = Assert.Throws<ArgumentException>(() => NativeStatus.Check(status));
        Assert.That(e!.Message, Is.Not.Empty);
        Assert.That(e.Message, Does.Contain("comm"));
    }

    [Test]
    public void Ok_does_not_throw() => Assert.That(() => NativeStatus.Check(0), Throws.Nothing);

    [Test]
    public void The_MPI_library_names_itself() =>
        Assert.That(MpiRuntime.LibraryVersion(), Does.Contain("MPI").IgnoreCase);
}
