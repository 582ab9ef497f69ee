using System.Globalization;

namespace MlxMpi.Benchmark;

/// <summary>The benchmark's command line. Every rank parses the same arguments, so every rank plans the same work.
/// Parsed before MPI is touched: --help and a bad option need no launcher.</summary>
internal sealed record Options(long[] Sizes, int Repeats, double SecondsPerMeasurement, int MaxIterations, string? OutputDirectory,
                               long[] OverlapSizes)
{
    internal const string AllGatherOp = "allgather", AllSumOp = "allsum";

    /// <summary>Which collective is measured: all_gather (default) or all_sum (float32, against MPI_Allreduce).</summary>
    internal string Op { get; init; } = AllGatherOp;

    /// <summary>8 B, then 16 B to 64 MiB in x4 steps: every power of four plus the 8-byte latency point.</summary>
    internal static long[] DefaultSizes { get; } = [8, .. Enumerable.Range(0, 12).Select(k => 16L << (2 * k))];

    /// <summary>
    /// The async overlap measurement (Overlap.cs): gathers of 0.1 ms and up. Shorter ones cannot be matched by its
    /// wait work, which oversleeps by 75-100 us here, and hide less than the async hand-off costs anyway.
    /// </summary>
    internal static long[] DefaultOverlapSizes { get; } = [1 << 20, 4 << 20, 16 << 20];

    internal const string Usage = """
        usage: mpiexec -n <p> dotnet MlxMpi.Benchmark.dll [options]
          --op <name>          allgather (default) or allsum: AllSum/AllSumInto of float32 against raw MPI_Allreduce
                               (sizes then must be multiples of 4; files are named dotnet-allsum-<label>.csv)
          --out <dir>          write dotnet-p<p>.csv (every repeat) and dotnet-p<p>.txt (the table) there
          --sizes <list>       bytes per rank, comma-separated, K/M suffixes allowed (default 8,16,64,...,64M)
          --max-size <bytes>   drop default sizes and overlap sizes above this (e.g. 1M for a quick run)
          --repeats <n>        repeats per size and variant, interleaved; the median is reported (default 7, min 5)
          --seconds <s>        target time of one measurement of one variant (default 0.1)
          --max-iterations <n> cap on timed iterations per measurement (default 1000000)
          --overlap-sizes <list> bytes per rank (multiples of 4) for work + AllGatherAsync against work then AllGather,
                               work = cpu-bound compute and a blocking wait, written to overlap-p<p>.csv; "none"
                               skips it (default 1M,4M,16M)
        """;

    internal static Options Parse(string[] args)
    {
        var sizes = DefaultSizes;
        var overlapSizes = DefaultOverlapSizes;
        long? maxSize = null;
        var repeats = 7;
        var seconds = 0.1;
        var maxIterations = 1_000_000;
        string? output = null;
        var op = AllGatherOp;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--out": output = Value(); break;
                case "--op":
                    op = Value();
                    if (op is not (AllGatherOp or AllSumOp))
                        throw new ArgumentException($"--op {op}: expected {AllGatherOp} or {AllSumOp}\n{Usage}");
                    break;
                case "--sizes": sizes = Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(ParseBytes).ToArray(); break;
                case "--overlap-sizes":
                    var list = Value();
                    overlapSizes = list == "none" ? [] : list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(ParseBytes).ToArray();
                    break;
                case "--max-size": maxSize = ParseBytes(Value()); break;
                case "--repeats": repeats = Int(args[i], Value()); break;
                case "--seconds": seconds = Seconds(args[i], Value()); break;
                case "--max-iterations": maxIterations = Int(args[i], Value()); break;
                case "-h" or "--help": throw new HelpRequestedException();
                default: throw new ArgumentException($"unknown argument {args[i]}");
            }
        }
        if (maxSize is { } max)
        {
            sizes = sizes.Where(s => s <= max).ToArray();
            overlapSizes = overlapSizes.Where(s => s <= max).ToArray();
        }
        if (sizes.Length == 0 || sizes.Any(s => s < 1 || s > int.MaxValue))
            throw new ArgumentException("sizes must be between 1 byte and 2 GiB - 1");
        // The overlap measurement gathers float32 elements and checks each one.
        if (overlapSizes.Any(s => s < 4 || s % 4 != 0 || s > int.MaxValue))
            throw new ArgumentException("--overlap-sizes must be multiples of 4 bytes (float32 elements), at most 2 GiB - 4, or none");
        if (repeats < 5)
            throw new ArgumentException("--repeats must be at least 5 (the median of at least 5 repeats is reported)");
        if (seconds <= 0 || maxIterations < 1)
            throw new ArgumentException("--seconds and --max-iterations must be positive");
        if (op == AllSumOp)
        {
            // Float32 elements; the async overlap measurement is all_gather's alone.
            if (sizes.Any(s => s % 4 != 0))
                throw new ArgumentException("--op allsum: sizes must be multiples of 4 bytes (float32 elements)");
            overlapSizes = [];
        }
        return new Options(sizes, repeats, seconds, maxIterations, output, overlapSizes) { Op = op };
    }

    internal static long ParseBytes(string text)
    {
        text = text.Trim();
        var scale = text.Length == 0 ? 1L : char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1L };
        var digits = scale == 1 ? text : text[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > long.MaxValue / scale)
            throw new ArgumentException($"\"{text}\" is not a byte count (a whole number, optionally with a K, M or G suffix)");
        return count * scale;
    }

    private static int Int(string option, string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"{option} \"{text}\" is not a whole number");

    private static double Seconds(string option, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new ArgumentException($"{option} \"{text}\" is not a number of seconds");

    /// <summary>"8 B", "64 KiB", "16 MiB".</summary>
    internal static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{bytes >> 10} KiB",
        _ => $"{bytes} B",
    };
}

/// <summary>--help or -h: print the usage and exit 0.</summary>
internal sealed class HelpRequestedException() : Exception("help requested");
