// Data-parallel training of a small MLP with TorchSharp and MlxMpi, as MLX's distributed training guide does with
// mlx.nn.average_gradients: every rank holds the same model (same seed), takes its shard of every batch, computes its
// gradients, and TorchDistributed.AverageGradients averages them over the ranks before the optimizer step. Because the
// shards are equal, the average of the shard-mean gradients is the full-batch mean gradient, so any number of ranks
// trains the same weights as one process on the whole batch (up to float32 rounding of the different summation order).
//
//   dotnet run --project src/MlxMpi.TorchSharp.Example                         # one process, the full batch
//   mpiexec -n 4 dotnet src/MlxMpi.TorchSharp.Example/bin/Release/net10.0/linux-x64/MlxMpi.TorchSharp.Example.dll
//
// Options: --steps N (300), --batch B (64, the global batch; a multiple of the rank count), --seed S (17),
// --weights FILE (rank 0 writes the final parameters there, one float per line).
using System.Diagnostics;
using System.Globalization;
using MlxMpi;
using MlxMpi.TorchSharp;
using static TorchSharp.torch;

var options = Options.Parse(args);
var world = Distributed.Init();
if (options.Batch % world.Size != 0)
{
    Console.Error.WriteLine($"the global batch {options.Batch} must be a multiple of the rank count {world.Size}");
    return 2;
}
// One intra-op thread: the ranks share the cores, and a fixed thread count keeps each rank's float sums in one order.
set_num_threads(1);

const int Samples = 1024, Features = 8, Hidden = 32;
var (inputs, targets) = SyntheticData.Make(Samples, Features, options.Seed);
manual_seed(options.Seed); // the same initial weights on every rank
var model = nn.Sequential(("hidden", nn.Linear(Features, Hidden)), ("tanh", nn.Tanh()), ("out", nn.Linear(Hidden, 1)));
var optimizer = optim.SGD(model.parameters(), 0.1);
var shard = options.Batch / world.Size;
var stepsPerEpoch = Samples / options.Batch;
if (world.Rank == 0)
    Console.WriteLine($"data-parallel MLP {Features}-{Hidden}-1 on {Samples} synthetic samples: {world.Size} rank(s), {options.Steps} steps, " +
                      $"global batch {options.Batch} ({shard} per rank), seed {options.Seed}");

var epochLoss = 0.0;
var clock = new Stopwatch();
for (var step = 0; step < options.Steps; step++)
{
    clock.Start();
    using (var scope = NewDisposeScope())
    {
        var first = step % stepsPerEpoch * options.Batch + world.Rank * shard;
        var x = inputs.narrow(0, first, shard);
        var y = targets.narrow(0, first, shard);
        var loss = nn.functional.mse_loss(model.forward(x), y);
        optimizer.zero_grad();
        loss.backward();
        TorchDistributed.AverageGradients(model, world);
        optimizer.step();
        epochLoss += loss.item<float>() * shard;
    }
    clock.Stop();
    if ((step + 1) % stepsPerEpoch == 0 || step + 1 == options.Steps)
    {
        // The mean loss over the epoch's samples, every rank's shards included (a tiny AllSum, outside the step timing).
        var seen = ((step % stepsPerEpoch) + 1) * options.Batch;
        var total = Distributed.AllSum<double>([epochLoss], world)[0];
        if (world.Rank == 0)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {(step + stepsPerEpoch) / stepsPerEpoch,3}  loss {total / seen:F6}"));
        epochLoss = 0;
    }
}
if (world.Rank == 0)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"time per step: {clock.Elapsed.TotalMilliseconds / options.Steps:F3} ms with {world.Size} rank(s) (forward, backward, AverageGradients, SGD)"));
    if (options.Weights is { } path)
    {
        var values = model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        File.WriteAllLines(path, values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        Console.WriteLine($"final weights: {values.Length} values written to {path}");
    }
}
return 0;

/// <summary>The command line.</summary>
internal sealed record Options(int Steps, int Batch, int Seed, string? Weights)
{
    public static Options Parse(string[] args)
    {
        int steps = 300, batch = 64, seed = 17;
        string? weights = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--steps": steps = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--batch": batch = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--weights": weights = args[i + 1]; break;
                default: throw new ArgumentException($"unknown option {args[i]}; use --steps, --batch, --seed, --weights");
            }
        }
        return new Options(steps, batch, seed, weights);
    }
}

/// <summary>A regression task from a fixed seed, the same on every rank: y = sin(w . x) + x0 * x1 / 2 with x uniform in [-1, 1].</summary>
internal static class SyntheticData
{
    public static (Tensor Inputs, Tensor Targets) Make(int samples, int features, int seed)
    {
        var rng = new Random(seed);
        var w = Enumerable.Range(0, features).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var x = new float[samples * features];
        var y = new float[samples];
        for (var i = 0; i < samples; i++)
        {
            double dot = 0;
            for (var j = 0; j < features; j++)
            {
                var value = rng.NextDouble() * 2 - 1;
                x[i * features + j] = (float)value;
                dot += w[j] * value;
            }
            y[i] = (float)(Math.Sin(dot) + 0.5 * x[i * features] * x[i * features + 1]);
        }
        return (tensor(x).reshape(samples, features), tensor(y).reshape(samples, 1));
    }
}
