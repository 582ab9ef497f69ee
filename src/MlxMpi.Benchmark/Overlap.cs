using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace MlxMpi.Benchmark;

/// <summary>What one overlap measurement times per iteration; the CSV names are what scripts/bench_report.py reads.</summary>
internal enum OverlapMode
{
    /// <summary>(1) Distributed.AllGather alone.</summary>
    Gather,
    /// <summary>
    /// (2) AllGatherAsync waited for at once, no work: minus (1), what the hand-off to the collective thread and back
    /// costs, so that a poor overlap can be told apart into hand-off cost and competition for cores.
    /// </summary>
    AsyncOnly,
    /// <summary>(3) the caller's work alone.</summary>
    WorkAlone,
    /// <summary>(4) work, then AllGather: what a caller without async pays.</summary>
    Sequential,
    /// <summary>(5) AllGatherAsync, work while it runs, then wait for the result.</summary>
    Overlapped,
}

/// <summary>
/// The caller's work while a gather runs. Two kinds, because they ask different questions: cpu needs the caller's
/// core all the time (does the gather get a core of its own?), wait needs none while it lasts, like a rank blocked on
/// a GPU kernel or on I/O (is the caller's thread free, or does the async gather still hold it?).
/// </summary>
internal enum WorkKind
{
    /// <summary>No work: modes (1) and (2), shared by both kinds.</summary>
    None,
    Cpu,
    Wait,
}

/// <summary>
/// One repeat of one mode at one size: seconds per iteration, per-rank average, maximum over ranks. Passes is the
/// cpu kernel's setting, WaitRequest the wait's (what was asked of the kernel, not what it took); 0 when not used.
/// </summary>
internal readonly record struct OverlapSample(
    int Ranks, WorkKind Work, OverlapMode Mode, long Bytes, int Repeat, long Iterations, int Passes, double WaitRequest, double Seconds);

/// <summary>
/// Whether AllGatherAsync really leaves the caller's thread free: per size, the caller's work, calibrated to last about
/// as long as the gather is timed alone, before the gather (sequential) and while an async gather runs (overlapped).
/// If the gather ran entirely in the background, overlapped = max(gather, work); if the caller's thread were tied up,
/// overlapped = sequential. overlap = (sequential - overlapped) / min(gather, work) puts that on a 0..1 scale (below
/// 0: overlapping cost more than one after the other). Collective: every rank runs the same plan, and all timing
/// conventions are those of Variants.Measure.
/// </summary>
internal sealed class Overlap(Group world, int rank, int ranks, Options options, Action<string> progress)
{
    private readonly ComputeKernel kernel = new();
    private readonly List<OverlapSample> samples = [];
    private readonly Dictionary<long, (int Passes, double WaitRequest)> settingsBySize = [];

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

    // Every timed loop of one repeat: the gather alone and its async twin once (both kinds are compared with the same
    // gather), then the three loops of each kind of work.
    private static readonly (OverlapMode Mode, WorkKind Work)[] Plan =
    [
        (OverlapMode.Gather, WorkKind.None), (OverlapMode.AsyncOnly, WorkKind.None),
        (OverlapMode.WorkAlone, WorkKind.Cpu), (OverlapMode.Sequential, WorkKind.Cpu), (OverlapMode.Overlapped, WorkKind.Cpu),
        (OverlapMode.WorkAlone, WorkKind.Wait), (OverlapMode.Sequential, WorkKind.Wait), (OverlapMode.Overlapped, WorkKind.Wait),
    ];

    private void MeasureSize(long bytes, string which)
    {
        var label = $"overlap {Options.FormatBytes(bytes)} {which}";
        var count = (int)(bytes / sizeof(float));
        progress($"{label} verifying");
        Verify(count);

        using var x = MlxArray.FromArray(Block(AgreedSeed(), rank, count));
        progress($"{label} calibrating");
        var gather = Calibrate(OverlapMode.Gather, WorkKind.None, x, default);
        // Passes scale linearly; one correction from a real multi-pass run absorbs the per-call overhead of the first estimate.
        var passes = Passes(gather, Calibrate(OverlapMode.WorkAlone, WorkKind.Cpu, x, new Work(1, 0)));
        passes = Passes(gather, Calibrate(OverlapMode.WorkAlone, WorkKind.Cpu, x, new Work(passes, 0)) / passes);
        // A wait lasts longer than asked for (timer slack, wake-up latency: 50-100 us on this VM), and by how much is
        // a property of the machine, so it is measured: ask for the gather's time, see what it took, ask for that much
        // less, and once more from there.
        var waitRequest = gather;
        for (var round = 0; round < 2; round++)
            waitRequest = Math.Max(1e-6, waitRequest + gather - Calibrate(OverlapMode.WorkAlone, WorkKind.Wait, x, new Work(0, waitRequest)));
        var work = new Work(passes, waitRequest);
        settingsBySize[bytes] = (passes, waitRequest);

        // The same count for every loop, about the target time for the slowest (sequential): the loops then share
        // the same stretch of machine time, and gather or work alone take about half of it.
        var iterations = (long)Math.Clamp(Math.Ceiling(options.SecondsPerMeasurement / (2 * gather)), 5, options.MaxIterations);
        for (var repeat = 0; repeat < options.Repeats; repeat++)
        {
            progress($"{label} repeat {repeat + 1}/{options.Repeats}");
            for (var k = 0; k < Plan.Length; k++)
            {
                var (mode, kind) = Plan[(k + repeat) % Plan.Length]; // rotated: no loop always runs first
                var seconds = Measure(mode, kind, x, work, Math.Max(1, iterations / 10), iterations);
                samples.Add(new OverlapSample(ranks, kind, mode, bytes, repeat, iterations,
                                              kind == WorkKind.Cpu ? passes : 0, kind == WorkKind.Wait ? waitRequest : 0, seconds));
            }
        }
    }

    // Kernel passes for compute to take as long as the gather: every rank derives it from the same max-over-ranks
    // figures, so every rank runs the same kernel (and, likewise, asks for the same wait).
    private static int Passes(double gatherSeconds, double secondsPerPass) =>
        (int)Math.Clamp(Math.Round(gatherSeconds / secondsPerPass), 1, int.MaxValue);

    /// <summary>Seconds per iteration: the count grows x4 until a run lasts 20 ms, then the faster of two runs.</summary>
    private double Calibrate(OverlapMode mode, WorkKind kind, MlxArray x, Work work)
    {
        for (var n = 1L; ; n *= 4)
        {
            var seconds = Measure(mode, kind, x, work, 1, n);
            if (seconds * n >= 0.02 || n >= options.MaxIterations)
                return Math.Min(seconds, Measure(mode, kind, x, work, 1, n));
        }
    }

    /// <summary>
    /// Untimed warm-up iterations, a barrier, timed iterations; seconds per iteration, max over ranks. The barrier and
    /// the max are the benchmark's own MPI calls, outside MlxMpi's ordering: like every BenchNative call in this file
    /// they run only when no async gather is in flight.
    /// </summary>
    private double Measure(OverlapMode mode, WorkKind kind, MlxArray x, Work work, long warmup, long iterations)
    {
        Loop(mode, kind, x, work, warmup);
        BenchNative.Barrier();
        var start = Stopwatch.GetTimestamp();
        Loop(mode, kind, x, work, iterations);
        var perIteration = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency / iterations;
        return BenchNative.Max(perIteration);
    }

    // One plain loop per mode, the branches outside it, so that the timed region holds nothing but the work itself.
    private void Loop(OverlapMode mode, WorkKind kind, MlxArray x, Work work, long n)
    {
        switch (mode, kind)
        {
            case (OverlapMode.Gather, _):
                for (var i = 0L; i < n; i++)
                    Distributed.AllGather(x, world).Dispose();
                break;
            case (OverlapMode.AsyncOnly, _):
                for (var i = 0L; i < n; i++)
                    Distributed.AllGatherAsync(x, world).GetAwaiter().GetResult().Dispose();
                break;
            case (OverlapMode.WorkAlone, WorkKind.Cpu):
                for (var i = 0L; i < n; i++)
                    kernel.Run(work.Passes);
                break;
            case (OverlapMode.WorkAlone, WorkKind.Wait):
                for (var i = 0L; i < n; i++)
                    TimedWait.Wait(work.WaitSeconds);
                break;
            case (OverlapMode.Sequential, WorkKind.Cpu):
                for (var i = 0L; i < n; i++)
                {
                    kernel.Run(work.Passes);
                    Distributed.AllGather(x, world).Dispose();
                }
                break;
            case (OverlapMode.Sequential, WorkKind.Wait):
                for (var i = 0L; i < n; i++)
                {
                    TimedWait.Wait(work.WaitSeconds);
                    Distributed.AllGather(x, world).Dispose();
                }
                break;
            case (OverlapMode.Overlapped, WorkKind.Cpu):
                for (var i = 0L; i < n; i++)
                {
                    var pending = Distributed.AllGatherAsync(x, world);
                    kernel.Run(work.Passes);
                    pending.GetAwaiter().GetResult().Dispose();
                }
                break;
            case (OverlapMode.Overlapped, WorkKind.Wait):
                for (var i = 0L; i < n; i++)
                {
                    var pending = Distributed.AllGatherAsync(x, world);
                    TimedWait.Wait(work.WaitSeconds);
                    pending.GetAwaiter().GetResult().Dispose();
                }
                break;
            default:
                throw new ArgumentException($"no {kind} work for {mode}");
        }
    }

    /// <summary>
    /// Checks every element of a sync result and of one overlapped result per kind of work before anything is timed:
    /// a benchmark of a broken gather is worthless. Each check gathers fresh data, so a result buffer recycled from an
    /// earlier gather (the library caches result memory) cannot pass by still holding the right values.
    /// </summary>
    private void Verify(int count)
    {
        foreach (var kind in new[] { WorkKind.None, WorkKind.Cpu, WorkKind.Wait })
        {
            var seed = AgreedSeed();
            using var x = MlxArray.FromArray(Block(seed, rank, count));
            using var result = kind == WorkKind.None ? Distributed.AllGather(x, world) : GatherWhileWorking(x, kind);
            var what = kind == WorkKind.None ? "AllGather" : $"AllGatherAsync with {CsvName(kind)} work";
            if (result.Dtype != Dtype.Float32 || result.Shape.Count != 1 || result.Shape[0] != (long)count * ranks)
                throw new InvalidOperationException($"{what} of {count} floats returned {result.Dtype} ({string.Join(", ", result.Shape)})");
            var values = result.ToArray<float>();
            for (var r = 0; r < ranks; r++)
            {
                if (!values.AsSpan(r * count, count).SequenceEqual(Block(seed, r, count)))
                    throw new InvalidOperationException($"{what} of {count} floats: rank {r}'s block is wrong on rank {rank}");
            }
        }
    }

    private MlxArray GatherWhileWorking(MlxArray x, WorkKind kind)
    {
        var pending = Distributed.AllGatherAsync(x, world);
        if (kind == WorkKind.Cpu)
            kernel.Run(passes: 1);
        else
            TimedWait.Wait(100e-6);
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
    /// most 10 s. The stop decision uses max-over-ranks time, so every rank stops after the same round. The wait
    /// loops take the same method, so they are optimised with it; their P/Invoke stub is built during calibration.
    /// </summary>
    private void WarmUp()
    {
        progress("overlap: warming up the async path");
        using var x = MlxArray.FromArray(Block(AgreedSeed(), rank, 1024));
        var start = Stopwatch.GetTimestamp();
        var fastest = double.MaxValue;
        var work = new Work(1, 0);
        while (true)
        {
            var round = Measure(OverlapMode.Overlapped, WorkKind.Cpu, x, work, 0, 2000) +
                        Measure(OverlapMode.Sequential, WorkKind.Cpu, x, work, 0, 2000);
            var elapsed = BenchNative.Max(Stopwatch.GetElapsedTime(start).TotalSeconds);
            fastest = Math.Min(fastest, round);
            if (elapsed >= 10 || (elapsed >= 2 && round <= 1.1 * fastest))
                return;
        }
    }

    private double Median(OverlapMode mode, WorkKind kind, long bytes)
    {
        var values = samples.Where(s => s.Mode == mode && s.Work == kind && s.Bytes == bytes).Select(s => s.Seconds).Order().ToArray();
        var mid = values.Length / 2;
        return values.Length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    internal static string CsvName(OverlapMode mode) => mode switch
    {
        OverlapMode.AsyncOnly => "async_only",
        OverlapMode.WorkAlone => "work_alone",
        _ => mode.ToString().ToLowerInvariant(),
    };

    internal static string CsvName(WorkKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>Writes overlap-&lt;label&gt;.csv (label: the launch's name, p&lt;ranks&gt; by default), every repeat, into
    /// <paramref name="directory"/>; returns its path.</summary>
    internal string WriteCsv(string directory, string label)
    {
        var text = new StringBuilder("ranks,work,mode,bytes,repeat,iterations,compute_passes,wait_request_us,seconds_per_iteration\n");
        foreach (var s in samples)
        {
            var passes = s.Work == WorkKind.Cpu ? s.Passes.ToString(CultureInfo.InvariantCulture) : "";
            var wait = s.Work == WorkKind.Wait ? (s.WaitRequest * 1e6).ToString("F3", CultureInfo.InvariantCulture) : "";
            text.Append(CultureInfo.InvariantCulture,
                        $"{s.Ranks},{CsvName(s.Work)},{CsvName(s.Mode)},{s.Bytes},{s.Repeat},{s.Iterations},{passes},{wait},{s.Seconds:R}\n");
        }
        var path = Path.Combine(directory, $"overlap-{label}.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    internal string Table()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Async overlap, {ranks} ranks: work on the caller's thread, calibrated to last about as long as the gather; cpu = passes " +
            $"of x = 0.999 x + 0.001 over a {ComputeKernel.Bytes / 1024} KiB float[], wait = clock_nanosleep for the requested time " +
            $"(no core used, like waiting for a GPU kernel); us per iteration (per-rank average, max over ranks), median of " +
            $"{options.Repeats} interleaved repeats");
        text.AppendLine("overlap = (sequential - overlapped) / min(gather, work): 1 = the gather hid behind the work, 0 = no overlap; " +
                        "speed-up = sequential / overlapped; async only = AllGatherAsync waited for at once, no work; hand-off = async only - gather");
        text.AppendLine($"{"bytes/rank",10} {"work",4} | {"setting",14} | {"gather us",10} {"async only us",13} {"hand-off us",11} {"work us",10} | " +
                        $"{"sequential us",13} {"overlapped us",13} | {"overlap",7} {"speed-up",8}");
        text.AppendLine(new string('-', 15) + "-+-" + new string('-', 14) + "-+-" + new string('-', 48) + "-+-" + new string('-', 27) + "-+-" + new string('-', 16));
        foreach (var (bytes, (passes, waitRequest)) in settingsBySize)
        {
            double gather = Median(OverlapMode.Gather, WorkKind.None, bytes), asyncOnly = Median(OverlapMode.AsyncOnly, WorkKind.None, bytes);
            foreach (var kind in new[] { WorkKind.Cpu, WorkKind.Wait })
            {
                double work = Median(OverlapMode.WorkAlone, kind, bytes), sequential = Median(OverlapMode.Sequential, kind, bytes);
                var overlapped = Median(OverlapMode.Overlapped, kind, bytes);
                var overlap = (sequential - overlapped) / Math.Min(gather, work);
                var setting = kind == WorkKind.Cpu
                    ? $"{passes} passes"
                    : string.Create(CultureInfo.InvariantCulture, $"ask {waitRequest * 1e6:F0} us");
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"{Options.FormatBytes(bytes),10} {CsvName(kind),4} | {setting,14} | {gather * 1e6,10:F1} {asyncOnly * 1e6,13:F1} " +
                    $"{(asyncOnly - gather) * 1e6,11:F1} {work * 1e6,10:F1} | {sequential * 1e6,13:F1} {overlapped * 1e6,13:F1} | " +
                    $"{overlap,7:F2} {sequential / overlapped,8:F2}");
            }
        }
        return text.ToString();
    }
}

/// <summary>The settings of both kinds of work at one size: kernel passes (cpu) and the seconds asked of a wait.</summary>
internal readonly record struct Work(int Passes, double WaitSeconds);

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

/// <summary>
/// The stand-in for work that does not need the caller's core: the thread blocks in the kernel for a set time, as it
/// would in a blocking wait for a GPU kernel or a read. Linux's clock_nanosleep, because the managed waits
/// (Thread.Sleep, WaitHandle and event waits with a timeout) round their timeout to whole milliseconds, too coarse
/// for gathers of 0.1-2 ms, and ManualResetEventSlim spins before it blocks, which would use the core.
/// </summary>
internal static unsafe partial class TimedWait
{
    private const int ClockMonotonic = 1; // CLOCK_MONOTONIC: the wait is not affected by changes of the wall clock
    private const int Eintr = 4;

    // struct timespec on 64-bit Linux: time_t tv_sec and long tv_nsec, two 64-bit fields.
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // Returns an error number itself (it does not set errno). "libc" is mapped to the C library by the runtime.
    [LibraryImport("libc")]
    private static partial int clock_nanosleep(int clock, int flags, Timespec* request, Timespec* remaining);

    /// <summary>Blocks the calling thread for at least <paramref name="seconds"/> (the machine adds its wake-up latency).</summary>
    internal static void Wait(double seconds)
    {
        var nanoseconds = (long)(seconds * 1e9);
        var request = new Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        Timespec remaining;
        int error;
        // A signal cuts a relative sleep short and reports what was left: sleep that, so a wait is never shorter than asked.
        while ((error = clock_nanosleep(ClockMonotonic, 0, &request, &remaining)) == Eintr)
            request = remaining;
        if (error != 0)
            throw new InvalidOperationException($"clock_nanosleep failed with error {error}");
    }
}
