using NUnit.Framework;

namespace MlxMpi.Tests.Unit;

/// <summary>The internal surface the Distributed facade builds on.</summary>
public unsafe class InternalApiTests
{
    [Test]
    public void AllocateMakesAContiguousAlignedArrayThatCanBeWritten()
    {
        var rng = TestRandom.Create();
        int[] values = TestRandom.Values<int>(rng, 12);
        using var array = MlxArray.Allocate([3, 4], Dtype.Int32);
        Assert.That(array.Shape, Is.EqualTo(new[] { 3, 4 }));
        Assert.That(array.Dtype, Is.EqualTo(Dtype.Int32));
        Assert.That(array.IsContiguous, Is.True);
        Assert.That((long)array.DataPointer % NativeBuffer.Alignment, Is.Zero, "64-byte aligned");
        values.AsSpan().CopyTo(new Span<int>(array.DataPointer, 12));
        Assert.That(array.ToArray<int>(), Is.EqualTo(values));
    }

    [Test]
    public void AllocateCopiesItsShapeArgument()
    {
        int[] shape = [2, 5];
        using var array = MlxArray.Allocate(shape, Dtype.UInt8);
        shape[1] = 1;
        Assert.That(array.ShapeArray, Is.EqualTo(new[] { 2, 5 }));
        Assert.That(array.ShapeArray, Is.SameAs(array.ShapeArray), "not a copy per call");
    }

    [Test]
    public void AllocateRejectsInvalidArguments()
    {
        Assert.Throws<ArgumentException>(() => MlxArray.Allocate([2, -2], Dtype.Float32));
        Assert.Throws<ArgumentException>(() => MlxArray.Allocate([2], (Dtype)99));
        Assert.Throws<ArgumentNullException>(() => MlxArray.Allocate(null!, Dtype.Float32));
    }

    [Test]
    public void EmptyArraysStillHaveAnAlignedPointer()
    {
        using var empty = MlxArray.Allocate([0, 3], Dtype.Float64);
        Assert.That((long)empty.DataPointer, Is.Not.Zero);
        Assert.That((long)empty.DataPointer % NativeBuffer.Alignment, Is.Zero);
        Assert.DoesNotThrow(() => empty.CopyLogicalBytesTo(null), "0 bytes are written");
    }

    [Test]
    public void CopyLogicalBytesOfAContiguousArrayAreItsMemory()
    {
        var rng = TestRandom.Create();
        ushort[] data = TestRandom.Values<ushort>(rng, 30);
        using var array = MlxArray.FromArray(data, 5, 6);
        var bytes = new byte[array.NBytes];
        fixed (byte* destination = bytes)
            array.CopyLogicalBytesTo(destination);
        Assert.That(bytes, Is.EqualTo(new ReadOnlySpan<byte>(array.DataPointer, bytes.Length).ToArray()));
        Assert.That(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bytes).ToArray(), Is.EqualTo(data));
    }

    private static IEnumerable<int[]> ThreeDimensionalPermutations => Expected.Permutations(3);

    [TestCaseSource(nameof(ThreeDimensionalPermutations))]
    public void CopyLogicalBytesOfATransposedViewAreRowMajor(int[] perm)
    {
        var rng = TestRandom.Create();
        int[] shape = [4, 3, 6];
        long[] data = TestRandom.Values<long>(rng, 72);
        using var array = MlxArray.FromArray(data, shape);
        using var view = array.Transpose(perm);
        var result = new long[72];
        fixed (long* destination = result)
            view.CopyLogicalBytesTo((byte*)destination);
        Assert.That(result, Is.EqualTo(Expected.Transpose(data, shape, perm)));
    }

    [Test]
    public void CopyLogicalBytesWritesExactlyNBytes()
    {
        using var array = MlxArray.FromArray(new byte[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using var view = array.Transpose();
        var bytes = Enumerable.Repeat((byte)0xEE, 10).ToArray();
        fixed (byte* destination = bytes)
            view.CopyLogicalBytesTo(destination + 2);
        Assert.That(bytes, Is.EqualTo(new byte[] { 0xEE, 0xEE, 1, 4, 2, 5, 3, 6, 0xEE, 0xEE }));
    }

    [Test]
    public void Contiguity()
    {
        using var matrix = MlxArray.Zeros([3, 4], Dtype.Float32);
        Assert.That(matrix.IsContiguous, Is.True);
        using (var transposed = matrix.Transpose())
            Assert.That(transposed.IsContiguous, Is.False);
        using var row = MlxArray.Zeros([1, 5], Dtype.Float32);
        using (var column = row.Transpose())
            Assert.That(column.IsContiguous, Is.True, "a length-1 dimension's stride does not matter");
        using var withOnes = MlxArray.Zeros([3, 1, 4, 1], Dtype.Int8);
        using (var moved = withOnes.Transpose(1, 0, 3, 2))
            Assert.That(moved.IsContiguous, Is.True, "only length-1 dimensions moved");
        using (var swapped = withOnes.Transpose(2, 1, 0, 3))
            Assert.That(swapped.IsContiguous, Is.False);
        using var empty = MlxArray.Zeros([3, 0], Dtype.Int8);
        using (var emptyView = empty.Transpose())
            Assert.That(emptyView.IsContiguous, Is.True);
        using var scalar = MlxArray.Scalar(1.0);
        Assert.That(scalar.IsContiguous, Is.True);
    }

    [Test]
    public void ViewsShareTheFirstElementsAddress()
    {
        using var array = MlxArray.Zeros([2, 3, 4], Dtype.Complex64);
        using var view = array.Transpose(2, 1, 0);
        using var reshaped = array.Reshape(6, 4);
        Assert.That((nint)view.DataPointer, Is.EqualTo((nint)array.DataPointer));
        Assert.That((nint)reshaped.DataPointer, Is.EqualTo((nint)array.DataPointer));
        Assert.That(view.ElementOffset, Is.Zero);
    }

    [Test]
    public void ALeaseKeepsTheMemoryAcrossDispose()
    {
        var rng = TestRandom.Create();
        int[] data = TestRandom.Values<int>(rng, 16);
        var array = MlxArray.FromArray(data);
        var lease = array.AcquireData();
        array.Dispose();
        Assert.That(new ReadOnlySpan<int>(lease.Base, 16).ToArray(), Is.EqualTo(data));
        lease.Dispose();
    }
}
