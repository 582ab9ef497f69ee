// The all_gather benchmark (OSU-style): for each size, three variants measured in the same processes and
// interleaved repeat by repeat: (a) raw C MPI_Allgather (libmlxmpi_bench.so), (b) Distributed.AllGather disposing
// each result, (c) Distributed.AllGatherInto a preallocated output. Run under mpiexec; scripts/bench.sh runs it at
// 2 and 4 ranks, adds the mpi4py comparison and writes the report. Rank 0 prints the table and writes the CSV.
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using MlxMpi;
using MlxMpi.Benchmark;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
// The options first, before MPI: --help and a typo must work anywhere, also outside mpiexec. Every rank parses the
// same arguments, so every rank ends alike (and prints alike: the ranks are not known yet).
Options options;
try
{
    options = Options.Parse(args);
}
catch (HelpRequestedException)
{
    WriteAtOnce(1, Options.Usage + "\n");
    return 0;
}
catch (ArgumentException e)
{
    WriteAtOnce(2, $"MlxMpi.Benchmark: {e.Message}\n{Options.Usage}\n");
    return 2;
}
// Under MPICH, MPI.NET starts MPI and MlxMpi shares it (MpiNetPeer); under Open MPI MlxMpi starts it.
MpiNetPeer.StartIfMpich([.. args]);
var world = Distributed.Init(strict: true);
var (rank, ranks) = BenchNative.Open();

var lead = rank == 0;
var variants = Variants.For(options.Op);
var reduce = options.Op == Options.AllSumOp;
var clock = Stopwatch.StartNew();
var meta = new[]
{
    $"ranks: {ranks}",
    $"mpi_library: {BenchNative.MpiLibraryVersion()}",
    $"mpi_thread_level: {Distributed.ProvidedThreadLevel} (requested {Distributed.RequestedThreadLevel})",
    $"dotnet: {RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC",
    $"sizes: {string.Join(", ", options.Sizes.Select(Options.FormatBytes))}",
    $"repeats: {options.Repeats}, target {options.SecondsPerMeasurement} s per measurement, at most {options.MaxIterations} iterations",
    $"overlap sizes: {(options.OverlapSizes.Length == 0 ? "none" : string.Join(", ", options.OverlapSizes.Select(Options.FormatBytes)))}",
    $"binding: {Environment.GetEnvironmentVariable("BENCH_BINDING") ?? "as launched"}; processors this rank sees: {Environment.ProcessorCount}",
    $"peers in this process: raw C{(MpiNetPeer.Active ? ", MPI.NET 1.4.0 AllgatherFlattened (MPI started by MPI.NET)" : "")}",
};
// bench.sh names each launch (mpi, ranks, binding), e.g. openmpi-p2-core; the files are dotnet-<label>.csv/.txt.
var label = Environment.GetEnvironmentVariable("BENCH_LABEL") is { Length: > 0 } given ? given : $"p{ranks}";
if (reduce)
    label = $"allsum-{label}";
if (lead)
{
    Console.WriteLine(reduce ? "MlxMpi all_sum benchmark (float32)" : "MlxMpi all_gather benchmark");
    foreach (var line in meta)
        Console.WriteLine("  " + line);
}

var random = new Random();
WarmUpJit(world, ranks, rank, random);

var results = new Results(ranks);
for (var s = 0; s < options.Sizes.Length; s++)
{
    var bytes = options.Sizes[s];
    using var buffers = new GatherBuffers(bytes, ranks, rank, random, reduce);
    Progress($"{Options.FormatBytes(bytes)} ({s + 1}/{options.Sizes.Length}) calibrating");

    // Each variant runs about the target time per measurement (at least 5 iterations), after a tenth as many
    // untimed warm-up calls. Every rank computes the same counts from the same max-over-ranks figures.
    var iterations = variants.Select(v => (long)Math.Clamp(Math.Ceiling(options.SecondsPerMeasurement / Calibrate(v, buffers)), 5, options.MaxIterations)).ToArray();

    for (var repeat = 0; repeat < options.Repeats; repeat++)
    {
        Progress($"{Options.FormatBytes(bytes)} ({s + 1}/{options.Sizes.Length}) repeat {repeat + 1}/{options.Repeats}");
        // Rotate the order each repeat, so no variant always runs first (or right after the slowest one).
        for (var k = 0; k < variants.Length; k++)
        {
            var v = (k + repeat) % variants.Length;
            var variant = variants[v];
            var seconds = variant.Measure(buffers, world, Math.Max(1, iterations[v] / 10), iterations[v]);
            results.Add(new Sample(ranks, variant, bytes, repeat, iterations[v], seconds));
        }
    }
    buffers.Verify(world);
}
// Compute + AllGatherAsync against compute then AllGather (Overlap.cs); its table follows the main one.
var overlap = Overlap.Run(world, rank, ranks, options, Progress);
if (lead)
{
    Console.Error.WriteLine($"\r{new string(' ', 100)}\r[{ranks} ranks] done in {clock.Elapsed.TotalSeconds:F0} s");
    var table = results.Table(options.Sizes, options.Repeats, variants) + (overlap is null ? "" : "\n" + overlap.Table());
    Console.WriteLine(table);
    if (options.OutputDirectory is { } dir)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, $"dotnet-{label}.csv"), results.Csv());
        File.WriteAllText(Path.Combine(dir, $"dotnet-{label}.txt"), string.Join('\n', meta) + "\n\n" + table);
        Console.WriteLine($"wrote {Path.Combine(dir, $"dotnet-{label}.csv")}");
        if (overlap is not null)
            Console.WriteLine($"wrote {overlap.WriteCsv(dir, label)}");
    }
}
BenchNative.Close();
MpiNetPeer.Stop();
return 0;

// Seconds per call of one variant: the iteration count grows x4 until a run lasts 20 ms, then the faster of two
// runs at that count (a hiccup must not cut the later measurements short). Every rank sees the same
// max-over-ranks figures, so every rank stops at the same count.
double Calibrate(Variant variant, GatherBuffers buffers)
{
    for (var n = 1L; ; n *= 4)
    {
        var seconds = variant.Measure(buffers, world, 1, n);
        if (seconds * n >= 0.02 || n >= options.MaxIterations)
            return Math.Min(seconds, variant.Measure(buffers, world, 1, n));
    }
}

// Runs the managed variants on an inline (8 B) and a two-phase (4 KiB) size before anything is measured, until
// tiered compilation has promoted the gather path to optimised code: at least 2 s (tier-up took 2-3 s here) and then
// until a round is within 10% of the fastest round so far, at most 10 s. BENCH_TRACE_WARMUP=1 prints the rounds.
void WarmUpJit(Group group, int size, int me, Random rng)
{
    Progress("warming up the JIT");
    using var small = new GatherBuffers(8, size, me, rng, reduce);
    using var medium = new GatherBuffers(4096, size, me, rng, reduce);
    var trace = Environment.GetEnvironmentVariable("BENCH_TRACE_WARMUP") == "1" && me == 0;
    var start = Stopwatch.GetTimestamp();
    var fastest = double.MaxValue;
    while (true)
    {
        var round = 0.0;
        var line = "";
        foreach (var buffers in new[] { small, medium })
        {
            foreach (var variant in variants[1..3])
            {
                var seconds = variant.Measure(buffers, group, 0, 5000);
                round += seconds;
                line += $" {variant.CsvName()}@{buffers.Bytes}B={seconds * 1e6:F3}us";
            }
        }
        var elapsed = BenchNative.Max(Stopwatch.GetElapsedTime(start).TotalSeconds);
        if (trace)
            Console.Error.WriteLine($"warm-up {elapsed:F2} s:{line}");
        fastest = Math.Min(fastest, round);
        if (elapsed >= 10 || (elapsed >= 2 && round <= 1.1 * fastest))
            return;
    }
}

void Progress(string what)
{
    if (lead)
        Console.Error.Write($"\r[{ranks} ranks] {what}, {clock.Elapsed.TotalSeconds:F0} s".PadRight(100));
}

// One write() on the file descriptor: under mpiexec every rank prints the text, and Console would split it into
// several writes that mpiexec interleaves with the other ranks' (and, on Open MPI's pty, prefix with ESC[?1h ESC=).
static void WriteAtOnce(int descriptor, string text)
{
    using var stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(descriptor, ownsHandle: false), FileAccess.Write, bufferSize: 0);
    stream.Write(System.Text.Encoding.UTF8.GetBytes(text));
}
