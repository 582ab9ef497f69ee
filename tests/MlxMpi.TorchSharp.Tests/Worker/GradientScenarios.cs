using static TorchSharp.torch;

namespace MlxMpi.TorchSharp.Tests.Worker;

/// <summary>
/// AverageGradients under mpiexec on a model with float32 and float64 parameters (two dtypes, so at least two buckets)
/// and bucket sizes from the 32 MiB default down to one call per gradient: every averaged gradient element is compared with
/// the mean, computed here, of every rank's own gradient (each rank's batch regenerated and back-propagated locally).
/// </summary>
internal static class GradientScenarios
{
    public static void AverageGradients(Check check)
    {
        var world = check.World;
        foreach (var bucketBytes in new[] { GradientBuckets.DefaultBucketBytes, 64L, 0L })
        {
            using var scope = NewDisposeScope();
            var model = new MixedModel(check.SeedFor(-1));
            Backward(model, check, world.Rank);
            TorchDistributed.AverageGradients(model, world, bucketBytes);
            var averaged = model.parameters().Select(p => p.grad!.to(ScalarType.Float64)).ToArray();

            // The expected mean: every rank's gradients, computed here on a fresh copy of the model.
            Tensor[]? sum = null;
            for (var rank = 0; rank < world.Size; rank++)
            {
                var reference = new MixedModel(check.SeedFor(-1));
                Backward(reference, check, rank);
                var grads = reference.parameters().Select(p => p.grad!.to(ScalarType.Float64)).ToArray();
                sum = sum is null ? grads : [.. sum.Zip(grads, (a, b) => a + b)];
            }
            for (var i = 0; i < averaged.Length; i++)
            {
                var expected = sum![i] / world.Size;
                var error = (averaged[i] - expected).abs().max().item<double>();
                var scale = expected.abs().max().item<double>();
                check.Expect(error <= 1e-5 * Math.Max(scale, 1), $"bucket size {bucketBytes}: parameter {i} ({model.parameters().ElementAt(i).dtype}) differs from the mean by {error:E2}");
            }
        }
    }

    private static void Backward(MixedModel model, Check check, int rank)
    {
        manual_seed(check.SeedFor(rank, 7));
        var x = randn([16, 6]);
        model.zero_grad();
        model.forward(x).square().mean().backward();
    }

    /// <summary>Two float32 layers feeding a float64 one: gradients of two dtypes in one model.</summary>
    private sealed class MixedModel : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> first, second, third;

        public MixedModel(int seed) : base(nameof(MixedModel))
        {
            manual_seed(seed);
            first = nn.Linear(6, 5);
            second = nn.Linear(5, 4);
            third = nn.Linear(4, 3, dtype: ScalarType.Float64);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => third.forward(nn.functional.tanh(second.forward(nn.functional.tanh(first.forward(x)))).to(ScalarType.Float64));
    }
}
