using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace MlxMpi.Benchmark;

/// <summary>What one overlap measurement times per iteration; the CSV names are what scripts/bench_report.py reads.</summary>
internal enum OverlapMode
{
    /// <summary>(1) Distributed.AllGather alone.</summary>
    Gather,
    /// <summary>(2) the compute kernel alone.</summary>
    Compute,
    /// <summary>(3) compute, then AllGather: what a caller without async pays.</summary>
    Sequential,
    /// <summary>(4) AllGatherAsync, compute while it runs, then wait for the result.</summary>
    Overlapped,
    /// <summary>
    /// (5) AllGatherAsync waited for at once, no compute: what the hand-off to the collective thread and back costs,
    /// so that a poor overlap can be told apart into hand-off cost and competition for cores.
    /// </summary>
    AsyncOnly,
}

/// <summary>One repeat of one mode at one size: seconds per iteration, per-rank average, maximum over ranks.</summary>
internal readonly record struct OverlapSample(int Ranks, OverlapMode Mode, long Bytes, int Repeat, long Iterations, int Passes, double Seconds);

/// <summary>
/// Whether AllGatherAsync really leaves the caller's thread free: per size, a compute kernel calibrated to last about
/// as long as the gather is timed alone, before the gather (sequential) and while an async gather runs (overlapped).
/// If the gather ran entirely in the background, overlapped = max(gather, compute); if the caller's thread were
/// tied up, overlapped = sequential. overlap = (sequential - overlapped) / min(gather, compute) puts that on a
/// 0..1 scale (below 0: overlapping cost more than one after the other). Collective: every rank runs the same plan, and all timing conventions are those of Variants.Measure.
/// </summary>
internal sealed class Overlap(Group world, int rank, int ranks, Options options, Action<string> progress)
{
    private readonly ComputeKernel kernel = new();
    private readonly List<OverlapSample> samples = [];
    private readonly Dictionary<long, int> passesBySize = [];

    /// <summary>Measures every overlap size (none: returns null). Every rank must call it.</summary>
    internal static Overlap? Run(Group world, int rank, int ranks, Options options, Action<string> progress)
    {
        // On one rank AllGather returns x itself: disposing "the result" would dispose the input.
        if (options.OverlapSizes.Length == 0 || ranks < 2)
            return null;
        var overlap = new Overlap(world, rank, ranks, options, progress);
        overlap.WarmUp();
        for (var s = 0; s < options.OverlapSizes.Length; s++)
            overlap.MeasureSize(options.OverlapSizes[s], $"({s + 1}/{options.OverlapSizes.Length})");
        return overlap;
    }

    private void MeasureSize(long bytes, string which)
    {
        var label = $"overlap {Options.FormatBytes(bytes)} {which}";
        var count = (int)(bytes / sizeof(float));
        progress($"{label} verifying");
        Verify(count);

        using var x = MlxArray.FromArray(Block(AgreedSeed(), rank, count));
        progress($"{label} calibrating");
        var gather = Calibrate(OverlapMode.Gather, x, 0);
        // Passes scale linearly; one correction from a real multi-pass run absorbs the per-call overhead of the first estimate.
        var passes = Passes(gather, Calibrate(OverlapMode.Compute, x, 1));
        passes = Passes(gather, Calibrate(OverlapMode.Compute, x, passes) / passes);
        passesBySize[bytes] = passes;

        // The same count for every mode, about the target time for the slowest (sequential): the modes then share
        // the same stretch of machine time, and compute/gather alone take about half of it.
        var iterations = (long)Math.Clamp(Math.Ceiling(options.SecondsPerMeasurement / (2 * gather)), 5, options.MaxIterations);
        var modes = Enum.GetValues<OverlapMode>();
        for (var repeat = 0; repeat < options.Repeats; repeat++)
        {
            progress($"{label} repeat {repeat + 1}/{options.Repeats}");
            for (var k = 0; k < modes.Length; k++)
            {
                var mode = modes[(k + repeat) % modes.Length]; // rotated: no mode always runs first
                var seconds = Measure(mode, x, passes, Math.Max(1, iterations / 10), iterations);
                samples.Add(new OverlapSample(ranks, mode, bytes, repeat, iterations, passes, seconds));
            }
        }
    }

    // Kernel passes for compute to take as long as the gather: every rank derives it from the same max-over-ranks
    // figures, so every rank runs the same kernel.
    private static int Passes(double gatherSeconds, double secondsPerPass) =>
        (int)Math.Clamp(Math.Round(gatherSeconds / secondsPerPass), 1, int.MaxValue);

    /// <summary>Seconds per iteration: the count grows x4 until a run lasts 20 ms, then the faster of two runs.</summary>
    private double Calibrate(OverlapMode mode, MlxArray x, int passes)
    {
        for (var n = 1L; ; n *= 4)
        {
            var seconds = Measure(mode, x, passes, 1, n);
            if (seconds * n >= 0.02 || n >= options.MaxIterations)
                return Math.Min(seconds, Measure(mode, x, passes, 1, n));
        }
    }

    /// <summary>
    /// Untimed warm-up iterations, a barrier, timed iterations; seconds per iteration, max over ranks. The barrier and
    /// the max are the benchmark's own MPI calls, outside MlxMpi's ordering: like every BenchNative call in this file
    /// they run only when no async gather is in flight.
    /// </summary>
    private double Measure(OverlapMode mode, MlxArray x, int passes, long warmup, long iterations)
    {
        Loop(mode, x, passes, warmup);
        BenchNative.Barrier();
        var start = Stopwatch.GetTimestamp();
        Loop(mode, x, passes, iterations);
        var perIteration = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency / iterations;
        return BenchNative.Max(perIteration);
    }

    // One plain loop per mode, the branch outside it, so that the timed region holds nothing but the work itself.
    private void Loop(OverlapMode mode, MlxArray x, int passes, long n)
    {
        switch (mode)
        {
            case OverlapMode.Gather:
                for (var i = 0L; i < n; i++)
                    Distributed.AllGather(x, world).Dispose();
                break;
            case OverlapMode.Compute:
                for (var i = 0L; i < n; i++)
                    kernel.Run(passes);
                break;
            case OverlapMode.Sequential:
                for (var i = 0L; i < n; i++)
                {
                    kernel.Run(passes);
                    Distributed.AllGather(x, world).Dispose();
                }
                break;
            case OverlapMode.AsyncOnly:
                for (var i = 0L; i < n; i++)
                    Distributed.AllGatherAsync(x, world).GetAwaiter().GetResult().Dispose();
                break;
            default:
                for (var i = 0L; i < n; i++)
                {
                    var pending = Distributed.AllGatherAsync(x, world);
                    kernel.Run(passes);
                    pending.GetAwaiter().GetResult().Dispose();
                }
                break;
        }
    }

    /// <summary>
    /// Checks every element of one sync and one overlapped result before anything is timed: a benchmark of a broken
    /// gather is worthless. Each check gathers fresh data, so a result buffer recycled from an earlier gather (the
    /// library caches result memory) cannot pass by still holding the right values.
    /// </summary>
    private void Verify(int count)
    {
        foreach (var mode in new[] { OverlapMode.Gather, OverlapMode.Overlapped })
        {
            var seed = AgreedSeed();
            using var x = MlxArray.FromArray(Block(seed, rank, count));
            using var result = mode == OverlapMode.Gather ? Distributed.AllGather(x, world) : GatherWhileComputing(x);
            if (result.Dtype != Dtype.Float32 || result.Shape.Count != 1 || result.Shape[0] != (long)count * ranks)
                throw new InvalidOperationException($"{mode} of {count} floats returned {result.Dtype} ({string.Join(", ", result.Shape)})");
            var values = result.ToArray<float>();
            for (var r = 0; r < ranks; r++)
            {
                if (!values.AsSpan(r * count, count).SequenceEqual(Block(seed, r, count)))
                    throw new InvalidOperationException($"{mode} of {count} floats: rank {r}'s block is wrong on rank {rank}");
            }
        }
    }

    private MlxArray GatherWhileComputing(MlxArray x)
    {
        var pending = Distributed.AllGatherAsync(x, world);
        kernel.Run(passes: 1);
        return pending.GetAwaiter().GetResult();
    }

    // A fresh seed that every rank knows without a broadcast: the largest of one random draw per rank. With it every
    // rank can rebuild every other rank's block, so each element of a result can be checked.
    private static int AgreedSeed() => (int)BenchNative.Max(Random.Shared.Next());

    // Rank r's payload for a seed: values in [1, 2), so a zeroed or unwritten block cannot pass.
    private static float[] Block(int seed, int r, int count)
    {
        var random = new Random(unchecked(seed * 31 + r));
        var block = new float[count];
        for (var i = 0; i < block.Length; i++)
            block[i] = 1 + random.NextSingle();
        return block;
    }

    /// <summary>
    /// Runs the overlapped and sequential loops on a small size until the async path is in optimised code (tiered
    /// compilation took 2-3 s here): at least 2 s and then until a round is within 10% of the fastest so far, at
    /// most 10 s. The stop decision uses max-over-ranks time, so every rank stops after the same round.
    /// </summary>
    private void WarmUp()
    {
        progress("overlap: warming up the async path");
        using var x = MlxArray.FromArray(Block(AgreedSeed(), rank, 1024));
        var start = Stopwatch.GetTimestamp();
        var fastest = double.MaxValue;
        while (true)
        {
            var round = Measure(OverlapMode.Overlapped, x, 1, 0, 2000) + Measure(OverlapMode.Sequential, x, 1, 0, 2000);
            var elapsed = BenchNative.Max(Stopwatch.GetElapsedTime(start).TotalSeconds);
            fastest = Math.Min(fastest, round);
            if (elapsed >= 10 || (elapsed >= 2 && round <= 1.1 * fastest))
                return;
        }
    }

    private double Median(OverlapMode mode, long bytes)
    {
        var values = samples.Where(s => s.Mode == mode && s.Bytes == bytes).Select(s => s.Seconds).Order().ToArray();
        var mid = values.Length / 2;
        return values.Length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    internal static string CsvName(OverlapMode mode) => mode == OverlapMode.AsyncOnly ? "async_only" : mode.ToString().ToLowerInvariant();

    /// <summary>Writes overlap-p&lt;ranks&gt;.csv, every repeat, into <paramref name="directory"/>; returns its path.</summary>
    internal string WriteCsv(string directory)
    {
        var text = new StringBuilder("ranks,mode,bytes,repeat,iterations,compute_passes,seconds_per_iteration\n");
        foreach (var s in samples)
            text.Append(CultureInfo.InvariantCulture, $"{s.Ranks},{CsvName(s.Mode)},{s.Bytes},{s.Repeat},{s.Iterations},{s.Passes},{s.Seconds:R}\n");
        var path = Path.Combine(directory, $"overlap-p{ranks}.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    internal string Table()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Async overlap, {ranks} ranks: compute = passes of x = 0.999 x + 0.001 over a {ComputeKernel.Bytes / 1024} KiB float[] " +
            $"on the caller's thread, calibrated to last about as long as the gather; us per iteration (per-rank average, " +
            $"max over ranks), median of {options.Repeats} interleaved repeats");
        text.AppendLine("overlap = (sequential - overlapped) / min(gather, compute): 1 = the gather hid behind the compute, 0 = no overlap; " +
                        "speed-up = sequential / overlapped; async only = AllGatherAsync waited for at once, no compute");
        text.AppendLine($"{"bytes/rank",10} | {"passes",7} | {"gather us",10} {"async only us",13} {"compute us",10} | {"sequential us",13} {"overlapped us",13} | {"overlap",7} {"speed-up",8}");
        text.AppendLine(new string('-', 10) + "-+-" + new string('-', 7) + "-+-" + new string('-', 35) + "-+-" + new string('-', 27) + "-+-" + new string('-', 16));
        foreach (var bytes in passesBySize.Keys)
        {
            double gather = Median(OverlapMode.Gather, bytes), asyncOnly = Median(OverlapMode.AsyncOnly, bytes), compute = Median(OverlapMode.Compute, bytes);
            double sequential = Median(OverlapMode.Sequential, bytes), overlapped = Median(OverlapMode.Overlapped, bytes);
            var overlap = (sequential - overlapped) / Math.Min(gather, compute);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{Options.FormatBytes(bytes),10} | {passesBySize[bytes],7} | {gather * 1e6,10:F1} {asyncOnly * 1e6,13:F1} {compute * 1e6,10:F1} | " +
                $"{sequential * 1e6,13:F1} {overlapped * 1e6,13:F1} | {overlap,7:F2} {sequential / overlapped,8:F2}");
        }
        return text.ToString();
    }
}

/// <summary>
/// The caller's compute: plain scalar arithmetic over a private 16 KiB float[]. Small enough to stay in the core's
/// own cache, so it measures whether the thread is free, not whether compute and gather fight over memory bandwidth.
/// </summary>
internal sealed class ComputeKernel
{
    internal const int Bytes = 16 << 10;
    private readonly float[] values = new float[Bytes / sizeof(float)];

    internal ComputeKernel()
    {
        for (var i = 0; i < values.Length; i++)
            values[i] = Random.Shared.NextSingle();
    }

    // Optimised from the first call, so calibration does not time tier-0 code that gets faster later.
    // x -> 0.999 x + 0.001 converges to 1: values stay normal floats (no denormal slow path) however many passes run.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Run(int passes)
    {
        var v = values;
        for (var p = 0; p < passes; p++)
        {
            for (var i = 0; i < v.Length; i++)
                v[i] = v[i] * 0.999f + 0.001f;
        }
    }
}
