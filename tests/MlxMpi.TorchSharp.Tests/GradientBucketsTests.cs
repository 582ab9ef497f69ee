using static TorchSharp.torch;

namespace MlxMpi.TorchSharp.Tests;

/// <summary>The bucket plan of AverageGradients, as mlx.nn.average_gradients groups (a bucket closes once it reaches the
/// size), with one set of buckets per dtype, in an order every rank computes alike.</summary>
public sealed class GradientBucketsTests
{
    [Test]
    public void Gradients_fill_buckets_in_order_until_each_reaches_the_size()
    {
        using var scope = NewDisposeScope();
        // float32: 10, 20, 5, 40 elements = 40, 80, 20, 160 bytes; buckets of 100 bytes close at 120 and at 180.
        var grads = new[] { 10, 20, 5, 40 }.Select(n => zeros([n])).ToList();
        var buckets = GradientBuckets.Plan(grads, 100);
        Assert.That(buckets.Select(b => b.Gradients.Count), Is.EqualTo(new[] { 2, 2 }));
        Assert.That(buckets.Select(b => b.Elements), Is.EqualTo(new long[] { 30, 45 }));
        Assert.That(buckets[0].Gradients[0], Is.SameAs(grads[0]));
    }

    [Test]
    public void Mixed_dtypes_get_their_own_buckets_and_the_default_size_makes_one_per_dtype()
    {
        using var scope = NewDisposeScope();
        var grads = new[] { zeros([7]), zeros([3], ScalarType.Float64), zeros([2, 2]), zeros([5], ScalarType.Float64), zeros([1], ScalarType.BFloat16) };
        var buckets = GradientBuckets.Plan(grads, GradientBuckets.DefaultBucketBytes);
        Assert.That(buckets.Select(b => b.Dtype), Is.EqualTo(new[] { ScalarType.Float32, ScalarType.Float64, ScalarType.BFloat16 }));
        Assert.That(buckets.Select(b => b.Elements), Is.EqualTo(new long[] { 11, 8, 1 }));
        Assert.That(buckets[1].Gradients, Is.EqualTo(new[] { grads[1], grads[3] }));
    }

    [Test]
    public void A_size_of_zero_makes_one_bucket_per_gradient()
    {
        using var scope = NewDisposeScope();
        var grads = new[] { zeros([4]), zeros([9]), zeros([2], ScalarType.Float64) };
        Assert.That(GradientBuckets.Plan(grads, 0).Select(b => b.Gradients.Single()), Is.EqualTo(grads));
    }
}
