using System.Numerics.Tensors;

namespace MlxMpi.Tests.Unit;

/// <summary>MlxArray and System.Numerics.Tensors: views where memory allows (AsTensorSpan of any layout, FromTensor of a
/// tensor's pinned memory), copies where it does not (ToTensor, FromTensorSpan), values checked element by element.</summary>
public sealed class TensorConversionTests
{
    [Test]
    public void AsReadOnlyTensorSpan_views_a_transposed_array_by_its_logical_values()
    {
        var rng = TestRandom.Create();
        var data = TestRandom.Values<double>(rng, 6);
        using var x = MlxArray.FromArray(data, 2, 3);
        using var t = x.Transpose();
        var span = t.AsReadOnlyTensorSpan<double>();
        Assert.That(span.Lengths.ToArray(), Is.EqualTo(new nint[] { 3, 2 }));
        Assert.That(span.IsDense, Is.False);
        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 2; j++)
                Assert.That(span[i, j], Is.EqualTo(data[j * 3 + i]), $"[{i}, {j}]");
    }

    [Test]
    public void AsTensorSpan_writes_reach_the_array()
    {
        using var x = MlxArray.FromArray(new[] { 1, 2, 3, 4 }, 2, 2);
        var span = x.AsTensorSpan<int>();
        span[1, 0] = 77;
        Assert.That(x.ToArray<int>(), Is.EqualTo(new[] { 1, 2, 77, 4 }));
    }

    [Test]
    public void AsTensorSpan_of_the_wrong_type_says_which_dtype_the_array_has()
    {
        using var x = MlxArray.FromArray(new[] { 1f });
        Assert.That(() => x.AsTensorSpan<int>(), Throws.ArgumentException.With.Message.Contains("float32"));
    }

    [Test]
    public void FromTensor_views_the_tensor_memory_with_its_strides()
    {
        var rng = TestRandom.Create();
        var values = TestRandom.Values<Half>(rng, 12);
        var tensor = Tensor.Create(values, [3, 4]);
        using var view = MlxArray.FromTensor(tensor);
        Assert.That(view.ToArray<Half>(), Is.EqualTo(values));
        tensor[2, 1] = (Half)9.5f; // the same memory
        Assert.That(view.ToArray<Half>()[9], Is.EqualTo((Half)9.5f));
    }

    [Test]
    public void ToTensor_and_FromTensorSpan_copy_in_row_major_order()
    {
        var rng = TestRandom.Create();
        var data = TestRandom.Values<long>(rng, 6);
        using var x = MlxArray.FromArray(data, 3, 2);
        using var t = x.Transpose();
        var tensor = t.ToTensor<long>();
        Assert.That(tensor.Lengths.ToArray(), Is.EqualTo(new nint[] { 2, 3 }));
        var flat = new long[6];
        tensor.FlattenTo(flat);
        Assert.That(flat, Is.EqualTo(t.ToArray<long>()));
        using var back = MlxArray.FromTensorSpan<long>(tensor);
        Assert.That(back.ToArray<long>(), Is.EqualTo(t.ToArray<long>()));
        Assert.That(back.Shape, Is.EqualTo(new[] { 2, 3 }));
    }
}
