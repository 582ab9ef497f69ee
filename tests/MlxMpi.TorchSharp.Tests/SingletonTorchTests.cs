using static TorchSharp.torch;

namespace MlxMpi.TorchSharp.Tests;

/// <summary>TorchDistributed on the singleton group (no launcher): results are copies with x's values, a dtype MLX lacks is
/// an ArgumentException naming it, and AverageGradients leaves gradients alone.</summary>
public sealed class SingletonTorchTests
{
    [Test]
    public void AllGather_and_AllSum_on_a_group_of_one_copy_the_values()
    {
        using var scope = NewDisposeScope();
        manual_seed(Random.Shared.Next());
        var x = randn([3, 4]).t(); // non-contiguous
        var gathered = TorchDistributed.AllGather(x);
        Assert.That(Worker.TorchScenarios.Same(gathered, x), Is.True);
        Assert.That(gathered.is_contiguous(), Is.True);
        var summed = TorchDistributed.AllSum(x);
        Assert.That(Worker.TorchScenarios.Same(summed, x), Is.True);
        var scalar = TorchDistributed.AllGather(tensor(2.5f));
        Assert.That(scalar.shape, Is.EqualTo(new long[] { 1 }));
        Assert.That(scalar.item<float>(), Is.EqualTo(2.5f));
    }

    [Test]
    public void Views_with_a_storage_offset_or_zero_strides_are_read_by_their_logical_values()
    {
        using var scope = NewDisposeScope();
        manual_seed(Random.Shared.Next());
        var narrowed = randn([4, 6]).narrow(1, 2, 3); // storage offset 2, strides (6, 1)
        Assert.That(narrowed.storage_offset(), Is.EqualTo(2));
        Assert.That(Worker.TorchScenarios.Same(TorchDistributed.AllGather(narrowed), narrowed.contiguous()), Is.True);
        var expanded = randn([1, 5]).expand(3, 5); // stride 0 on dimension 0
        Assert.That(expanded.stride()[0], Is.Zero);
        Assert.That(Worker.TorchScenarios.Same(TorchDistributed.AllSum(expanded), expanded.contiguous()), Is.True);
    }

    [Test]
    public void A_dtype_MLX_lacks_is_rejected_by_name()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => TorchDistributed.AllGather(ones([2], ScalarType.ComplexFloat64)));
        Assert.That(e!.Message, Does.Contain("ComplexFloat64"));
        Assert.Throws<ArgumentException>(() => TorchDistributed.AllSum(ones([2], ScalarType.ComplexFloat64)));
    }

    [Test]
    public void AverageGradients_on_a_group_of_one_leaves_the_gradients()
    {
        using var scope = NewDisposeScope();
        var layer = nn.Linear(4, 2);
        layer.forward(randn([5, 4])).sum().backward();
        var before = layer.weight!.grad!.clone();
        TorchDistributed.AverageGradients(layer);
        Assert.That(Worker.TorchScenarios.Same(layer.weight.grad!, before), Is.True);
    }
}
