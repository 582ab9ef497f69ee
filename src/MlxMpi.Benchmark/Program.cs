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
var world = Distributed.Init(strict: true);
var (rank, ranks) = BenchNative.Open();
Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException e)
{
    if (rank == 0)
        Console.Error.WriteLine(e.Message);
    BenchNative.Close();
    return 2;
}

var lead = rank == 0;
var clock = Stopwatch.StartNew();
var meta = new[]
{
    $"ranks: {ranks}",
    $"mpi_library: {BenchNative.MpiLibraryVersion()}",
    $"mpi_thread_level: {Distributed.ProvidedThreadLevel} (requested {Distributed.RequestedThreadLevel})",
    $"dotnet: {RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC",
    $"sizes: {string.Join(", ", options.Sizes.Select(Options.FormatBytes))}",
    $"repeats: {options.Repeats}, target {options.SecondsPerMeasurement} s per measurement, at most {options.MaxIterations} iterations",
};
if (lead)
{
    Console.WriteLine("MlxMpi all_gather benchmark");
    foreach (var line in meta)
        Console.WriteLine("  " + line);
}

var random = new Random();
WarmUpJit(world, ranks, rank, random);

var results = new Results(ranks);
for (var s = 0; s < options.Sizes.Length; s++)
{
    var bytes = options.Sizes[s];
    using var buffers = new GatherBuffers(bytes, ranks, rank, random);
    Progress($"{Options.FormatBytes(bytes)} ({s + 1}/{options.Sizes.Length}) calibrating");

    // Same iteration count for every variant: enough for the slowest to run about the target time.
    var slowest = Variants.All.Max(v => Calibrate(v, buffers));
    var iterations = (long)Math.Clamp(Math.Ceiling(options.SecondsPerMeasurement / slowest), 5, options.MaxIterations);
    var warmup = Math.Max(1, iterations / 10);

    for (var repeat = 0; repeat < options.Repeats; repeat++)
    {
        Progress($"{Options.FormatBytes(bytes)} ({s + 1}/{options.Sizes.Length}) repeat {repeat + 1}/{options.Repeats}, {iterations} iterations");
        // Rotate the order each repeat, so no variant always runs first (or right after the slowest one).
        for (var k = 0; k < Variants.All.Length; k++)
        {
            var variant = Variants.All[(k + repeat) % Variants.All.Length];
            results.Add(new Sample(ranks, variant, bytes, repeat, iterations, variant.Measure(buffers, world, warmup, iterations)));
        }
    }
    buffers.Verify(world);
}
if (lead)
{
    Console.Error.WriteLine($"\r{new string(' ', 100)}\r[{ranks} ranks] done in {clock.Elapsed.TotalSeconds:F0} s");
    var table = results.Table(options.Sizes, options.Repeats);
    Console.WriteLine(table);
    if (options.OutputDirectory is { } dir)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, $"dotnet-p{ranks}.csv"), results.Csv());
        File.WriteAllText(Path.Combine(dir, $"dotnet-p{ranks}.txt"), string.Join('\n', meta) + "\n\n" + table);
        Console.WriteLine($"wrote {Path.Combine(dir, $"dotnet-p{ranks}.csv")}");
    }
}
BenchNative.Close();
return 0;

// Seconds per call of one variant, doubling (x4) the iteration count until a run lasts 20 ms. Every rank sees the
// same max-over-ranks figure, so every rank stops at the same count.
double Calibrate(Variant variant, GatherBuffers buffers)
{
    for (var n = 1L; ; n *= 4)
    {
        var seconds = variant.Measure(buffers, world, 1, n);
        if (seconds * n >= 0.02 || n >= options.MaxIterations)
            return seconds;
    }
}

// Runs the managed variants on an inline (8 B) and a two-phase (4 KiB) size for about a second before anything is
// measured, so that tiered compilation has promoted the gather path to optimised code.
void WarmUpJit(Group group, int size, int me, Random rng)
{
    Progress("warming up the JIT");
    using var small = new GatherBuffers(8, size, me, rng);
    using var medium = new GatherBuffers(4096, size, me, rng);
    var start = Stopwatch.GetTimestamp();
    do
    {
        foreach (var buffers in new[] { small, medium })
        {
            Variant.AllGather.Measure(buffers, group, 0, 1000);
            Variant.AllGatherInto.Measure(buffers, group, 0, 1000);
        }
    }
    while (BenchNative.Max(Stopwatch.GetElapsedTime(start).TotalSeconds) < 1.0);
}

void Progress(string what)
{
    if (lead)
        Console.Error.Write($"\r[{ranks} ranks] {what}, {clock.Elapsed.TotalSeconds:F0} s".PadRight(100));
}
