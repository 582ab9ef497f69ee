using NUnit.Framework;

namespace MlxMpi.Tests.Unit;

public class DisposalTests
{
    private static IEnumerable<TestCaseData> Members()
    {
        yield return Case("Dtype", a => _ = a.Dtype);
        yield return Case("Shape", a => _ = a.Shape);
        yield return Case("Ndim", a => _ = a.Ndim);
        yield return Case("Size", a => _ = a.Size);
        yield return Case("NBytes", a => _ = a.NBytes);
        yield return Case("Device", a => _ = a.Device);
        yield return Case("ToArray", a => a.ToArray<int>());
        yield return Case("Item", a => a.Item<int>());
        yield return Case("CopyTo", a => a.CopyTo(new int[4].AsSpan()));
        yield return Case("Reshape", a => a.Reshape(-1));
        yield return Case("Transpose", a => a.Transpose());
        yield return Case("ThrowIfDisposed", a => a.ThrowIfDisposed());
        yield return Case("ShapeArray", a => _ = a.ShapeArray);
        yield return Case("IsContiguous", a => _ = a.IsContiguous);
        yield return Case("DataPointer", a => { unsafe { _ = a.DataPointer; } });
        yield return Case("CopyLogicalBytesTo", a => { unsafe { a.CopyLogicalBytesTo(null); } });
        yield return Case("AcquireData", a => a.AcquireData().Dispose());
    }

    private static TestCaseData Case(string name, Action<MlxArray> use) => new TestCaseData(use).SetArgDisplayNames(name);

    [TestCaseSource(nameof(Members))]
    public void EveryMemberThrowsOnceDisposed(Action<MlxArray> use)
    {
        var array = MlxArray.FromArray(new[] { 1, 2, 3, 4 }, 2, 2);
        array.Dispose();
        Assert.Throws<ObjectDisposedException>(() => use(array));
    }

    [TestCaseSource(nameof(Members))]
    public void EveryMemberThrowsOnADisposedView(Action<MlxArray> use)
    {
        using var array = MlxArray.FromArray(new[] { 1, 2, 3, 4 }, 2, 2);
        var view = array.Transpose();
        view.Dispose();
        Assert.Throws<ObjectDisposedException>(() => use(view));
        Assert.That(array.ToArray<int>(), Is.EqualTo(new[] { 1, 2, 3, 4 }), "the parent is unaffected");
    }

    [Test]
    public void DisposeIsIdempotent()
    {
        var array = MlxArray.Zeros([3], Dtype.Int8);
        Assert.That(array.IsDisposed, Is.False);
        array.Dispose();
        Assert.DoesNotThrow(array.Dispose);
        Assert.That(array.IsDisposed, Is.True);
        Assert.That(array.ToString(), Is.EqualTo("array(disposed)"), "ToString never throws");
    }

    [Test]
    public void AViewOutlivesItsParent()
    {
        var rng = TestRandom.Create();
        double[] data = TestRandom.Values<double>(rng, 30);
        var array = MlxArray.FromArray(data, 5, 6);
        var view = array.Transpose();
        var reshaped = array.Reshape(3, 10);
        array.Dispose();
        Assert.That(BufferOf(view).IsReleased, Is.False);
        Assert.That(view.ToArray<double>(), Is.EqualTo(Expected.Transpose(data, [5, 6], [1, 0])));
        Assert.That(reshaped.ToArray<double>(), Is.EqualTo(data));

        // A view of a view still works after the first array is gone.
        using (var again = view.Transpose())
            Assert.That(again.ToArray<double>(), Is.EqualTo(data));
        view.Dispose();
        Assert.That(BufferOf(reshaped).IsReleased, Is.False);
        reshaped.Dispose();
        Assert.That(BufferOf(reshaped).IsReleased, Is.True, "the last owner frees the memory");
    }

    [Test]
    public void ViewsMadeAndDisposedOnManyThreadsFreeTheMemoryOnce()
    {
        var rng = TestRandom.Create();
        int[] data = TestRandom.Values<int>(rng, 64);
        var array = MlxArray.FromArray(data, 8, 8);
        int[] transposed = Expected.Transpose(data, [8, 8], [1, 0]);
        var failures = 0;
        Parallel.For(0, 4, _ =>
        {
            for (int i = 0; i < 500; i++)
            {
                using var view = array.Transpose();
                using var flat = view.Reshape(-1);
                if (!flat.ToArray<int>().SequenceEqual(transposed))
                    Interlocked.Increment(ref failures);
            }
        });
        Assert.That(failures, Is.Zero);
        Assert.That(BufferOf(array).IsReleased, Is.False);
        array.Dispose();
        Assert.That(BufferOf(array).IsReleased, Is.True);
    }

    // The buffer is private; reflection lets the test see when the memory is released.
    private static NativeBuffer BufferOf(MlxArray array) =>
        (NativeBuffer)typeof(MlxArray).GetField("_buffer", System.Reflection.BindingFlags.Instance |
                                                         System.Reflection.BindingFlags.NonPublic)!.GetValue(array)!;
}
