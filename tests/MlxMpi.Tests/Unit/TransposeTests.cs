using NUnit.Framework;

namespace MlxMpi.Tests.Unit;

public class TransposeTests
{
    [Test]
    public void NoAxesTransposesAMatrix()
    {
        var rng = TestRandom.Create();
        int[] data = TestRandom.Values<int>(rng, 4 * 7);
        using var matrix = MlxArray.FromArray(data, 4, 7);
        using var transposed = matrix.Transpose();
        Assert.That(transposed.Shape, Is.EqualTo(new[] { 7, 4 }));
        int[] values = transposed.ToArray<int>();
        for (int i = 0; i < 7; i++)
        {
            for (int j = 0; j < 4; j++)
                Assert.That(values[i * 4 + j], Is.EqualTo(data[j * 7 + i]), $"element ({i}, {j})");
        }
    }

    private static IEnumerable<int[]> ThreeDimensionalPermutations => Expected.Permutations(3);

    [TestCaseSource(nameof(ThreeDimensionalPermutations))]
    public void EveryPermutationOfACubeMatchesIndexArithmetic(int[] perm)
    {
        var rng = TestRandom.Create();
        int[] shape = [3, 4, 5];
        double[] data = TestRandom.Values<double>(rng, 60);
        using var cube = MlxArray.FromArray(data, shape);
        using var view = cube.Transpose(perm);
        Assert.That(view.Shape, Is.EqualTo(perm.Select(axis => shape[axis]).ToArray()));
        double[] values = view.ToArray<double>();
        var index = new int[3];
        for (int i = 0; i < values.Length; i++)
        {
            Expected.Unflatten(i, [.. view.Shape], index);
            var source = new int[3];
            for (int d = 0; d < 3; d++)
                source[perm[d]] = index[d];
            Assert.That(values[i], Is.EqualTo(data[Expected.Flatten(source, shape)]),
                        $"element ({string.Join(", ", index)}) of permutation ({string.Join(", ", perm)})");
        }
    }

    [Test]
    public void EveryPermutationOfAFourDimensionalArrayOfEveryElementSize()
    {
        var rng = TestRandom.Create();
        int[] shape = [2, 3, 4, 5];
        foreach (int[] perm in Expected.Permutations(4))
        {
            Check<byte>(rng, shape, perm);
            Check<Half>(rng, shape, perm);
            Check<float>(rng, shape, perm);
            Check<Complex64>(rng, shape, perm);
        }
    }

    private static void Check<T>(Random rng, int[] shape, int[] perm) where T : unmanaged
    {
        T[] data = TestRandom.Values<T>(rng, (int)Expected.Count(shape));
        using var array = MlxArray.FromArray(data, shape);
        using var view = array.Transpose(perm);
        Assert.That(view.ToArray<T>(), Is.EqualTo(Expected.Transpose(data, shape, perm)),
                    $"{typeof(T).Name} permutation ({string.Join(", ", perm)})");
    }

    // Large enough that whole blocks of 64 / elementSize rows are copied as cache-line tiles, with odd sizes so
    // blocks end in partial ones.
    [TestCase(new[] { 131, 67 }, new[] { 1, 0 })]
    [TestCase(new[] { 3, 70, 9 }, new[] { 0, 2, 1 })]
    [TestCase(new[] { 5, 66, 3 }, new[] { 2, 0, 1 })]
    [TestCase(new[] { 2, 65, 2, 3 }, new[] { 3, 2, 0, 1 })]
    public void LargerTransposesOfEveryElementSize(int[] shape, int[] perm)
    {
        var rng = TestRandom.Create();
        Check<sbyte>(rng, shape, perm);
        Check<BFloat16>(rng, shape, perm);
        Check<int>(rng, shape, perm);
        Check<double>(rng, shape, perm);
    }

    [Test]
    public void NegativeAxesCountFromTheEnd()
    {
        var rng = TestRandom.Create();
        long[] data = TestRandom.Values<long>(rng, 24);
        using var array = MlxArray.FromArray(data, 2, 3, 4);
        using var negative = array.Transpose(-1, 0, -2);
        Assert.That(negative.ToArray<long>(), Is.EqualTo(Expected.Transpose(data, [2, 3, 4], [2, 0, 1])));
    }

    [Test]
    public unsafe void TransposeIsAViewWithPermutedStrides()
    {
        using var array = MlxArray.Zeros([2, 3, 4], Dtype.Float32);
        using var view = array.Transpose(1, 2, 0);
        Assert.That((nint)view.DataPointer, Is.EqualTo((nint)array.DataPointer));
        Assert.That(view.StridesArray, Is.EqualTo(new long[] { 4, 1, 12 }));
        Assert.That(view.IsContiguous, Is.False);
        using var back = view.Transpose(2, 0, 1);
        Assert.That(back.IsContiguous, Is.True, "the inverse permutation restores row-major order");
        Assert.That(back.Shape, Is.EqualTo(new[] { 2, 3, 4 }));
    }

    [Test]
    public void TransposeTwiceGivesTheOriginalValues()
    {
        var rng = TestRandom.Create();
        uint[] data = TestRandom.Values<uint>(rng, 35);
        using var array = MlxArray.FromArray(data, 5, 7);
        using var once = array.Transpose();
        using var twice = once.Transpose();
        Assert.That(twice.ToArray<uint>(), Is.EqualTo(data));
    }

    [Test]
    public void TransposeThenReshape()
    {
        var rng = TestRandom.Create();
        short[] data = TestRandom.Values<short>(rng, 2 * 3 * 4);
        using var array = MlxArray.FromArray(data, 2, 3, 4);
        using var view = array.Transpose(2, 0, 1);
        using var reshaped = view.Reshape(4, 6);
        Assert.That(reshaped.Shape, Is.EqualTo(new[] { 4, 6 }));
        Assert.That(reshaped.ToArray<short>(), Is.EqualTo(Expected.Transpose(data, [2, 3, 4], [2, 0, 1])));
        using var threeD = reshaped.Reshape(4, 2, 3);
        using var backToThreeD = threeD.Transpose(1, 2, 0);
        Assert.That(backToThreeD.ToArray<short>(), Is.EqualTo(data));
    }

    [Test]
    public void LowDimensionalTransposes()
    {
        using var scalar = MlxArray.Scalar(7);
        using var scalarView = scalar.Transpose();
        Assert.That(scalarView.Ndim, Is.Zero);
        Assert.That(scalarView.Item<int>(), Is.EqualTo(7));
        using var vector = MlxArray.FromArray(new[] { 1, 2, 3 });
        using var vectorView = vector.Transpose(0);
        Assert.That(vectorView.ToArray<int>(), Is.EqualTo(new[] { 1, 2, 3 }));
    }

    [TestCase(new[] { 0 })]
    [TestCase(new[] { 0, 1, 2 })]
    [TestCase(new[] { 0, 0 })]
    [TestCase(new[] { 1, 2 })]
    [TestCase(new[] { -3, 0 })]
    [TestCase(new[] { 0, -2 })]
    public void AxesMustBeAPermutation(int[] axes)
    {
        using var matrix = MlxArray.Zeros([2, 3], Dtype.Int32);
        var error = Assert.Throws<ArgumentException>(() => matrix.Transpose(axes));
        Assert.That(error!.Message, Does.Contain("(2, 3)"));
    }
}
