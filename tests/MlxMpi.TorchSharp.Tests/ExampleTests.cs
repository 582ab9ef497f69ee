using System.Globalization;
using System.Text.RegularExpressions;

namespace MlxMpi.TorchSharp.Tests;

/// <summary>
/// The data-parallel example at 1 (one process, the full batch), 2 and 4 ranks: every run's final weights equal the
/// single-process run's within float32 tolerance, and every run prints a falling loss per epoch and its time per step.
/// </summary>
[Category("Mpi")]
public sealed class ExampleTests
{
    private const int Steps = 300;
    private static readonly Dictionary<int, (float[] Weights, string Output)> Runs = [];

    [OneTimeSetUp]
    public void RunAll()
    {
        var dll = TorchLaunch.ExampleDll();
        foreach (var ranks in new[] { 1, 2, 4 })
        {
            var weights = Path.Combine(Path.GetTempPath(), $"mlxmpi-example-{Environment.ProcessId}-{ranks}.txt");
            string[] arguments = ["--steps", Steps.ToString(CultureInfo.InvariantCulture), "--weights", weights];
            var result = ranks == 1
                ? TorchLaunch.Alone(dll, arguments, TimeSpan.FromSeconds(120))
                : TorchLaunch.Mpiexec(ranks, dll, arguments, TimeSpan.FromSeconds(180));
            Assert.That(result.ExitCode, Is.Zero, result.Describe());
            Runs[ranks] = (File.ReadAllLines(weights).Select(l => float.Parse(l, CultureInfo.InvariantCulture)).ToArray(), result.Stdout);
            File.Delete(weights);
            TestContext.Progress.WriteLine($"example, {ranks} rank(s):\n{result.Stdout}");
        }
    }

    [TestCase(2)]
    [TestCase(4)]
    public void Final_weights_equal_the_single_process_full_batch_run(int ranks)
    {
        var reference = Runs[1].Weights;
        var weights = Runs[ranks].Weights;
        Assert.That(weights, Has.Length.EqualTo(reference.Length));
        var worst = reference.Zip(weights, (a, b) => Math.Abs(a - b) / Math.Max(1f, Math.Abs(a))).Max();
        TestContext.Out.WriteLine($"{ranks} ranks: largest difference from the 1-process run {worst:E2} over {weights.Length} weights");
        Assert.That(worst, Is.LessThanOrEqualTo(1e-5f));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(4)]
    public void Prints_a_falling_loss_per_epoch_and_the_time_per_step(int ranks)
    {
        var output = Runs[ranks].Output;
        var losses = Regex.Matches(output, @"epoch +\d+ +loss ([0-9.]+)").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.That(losses, Has.Length.EqualTo((Steps + 15) / 16), output); // 1024 samples / batch 64 = 16 steps an epoch
        Assert.That(losses[^1], Is.LessThan(losses[0] / 2), "the loss did not fall");
        Assert.That(output, Does.Match($@"time per step: [0-9.]+ ms with {ranks} rank"));
    }
}
