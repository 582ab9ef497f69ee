using System.Globalization;
using System.Text;

namespace MlxMpi.Benchmark;

/// <summary>One measurement: seconds per call (max over ranks) of one variant at one size in one repeat.</summary>
internal readonly record struct Sample(int Ranks, Variant Variant, long Bytes, int Repeat, long Iterations, double Seconds);

/// <summary>The samples of one run, as the CSV the report script merges and as the table printed at the end.</summary>
internal sealed class Results(int ranks)
{
    private readonly List<Sample> samples = [];

    internal void Add(Sample sample) => samples.Add(sample);

    /// <summary>The median over repeats of one variant's seconds per call at one size.</summary>
    internal double Median(Variant variant, long bytes)
    {
        var values = samples.Where(s => s.Variant == variant && s.Bytes == bytes).Select(s => s.Seconds).Order().ToArray();
        var mid = values.Length / 2;
        return values.Length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    internal string Csv()
    {
        var text = new StringBuilder("ranks,variant,bytes,repeat,iterations,seconds_per_call\n");
        foreach (var s in samples)
            text.Append(CultureInfo.InvariantCulture, $"{s.Ranks},{s.Variant.CsvName()},{s.Bytes},{s.Repeat},{s.Iterations},{s.Seconds:R}\n");
        return text.ToString();
    }

    /// <summary>
    /// The table of one run: the floor (variants[0]), the allocating and the Into form (variants[1], [2]), and under
    /// MPICH the MPI.NET columns. GB/s counts what each rank holds after the call: p x bytes for a gather, the bytes
    /// per rank for all_sum (algorithm bandwidth).
    /// </summary>
    internal string Table(IEnumerable<long> sizes, int repeats, Variant[] variants)
    {
        var (floor, allocating, into) = (variants[0], variants[1], variants[2]);
        var gather = floor == Variant.RawC;
        var mpiNet = samples.Any(s => s.Variant == Variant.MpiNetFlattened);
        var held = gather ? ranks : 1;
        double Rate(long bytes, double seconds) => held * bytes / seconds / 1e9;
        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"{ranks} ranks{(gather ? "" : ", all_sum of float32")}: us = seconds per call (per rank average, max over ranks), median of {repeats} interleaved repeats; GB/s = {(gather ? $"{ranks} x " : "")}bytes per rank / time; x raw = time / {floor.Title()} time"));
        text.Append($"{"bytes/rank",10} | {"raw C us",10} {"GB/s",7} | {allocating.Title() + " us",12} {"GB/s",7} {"x raw",6} | {"Into us",10} {"GB/s",7} {"x raw",6}");
        text.AppendLine(mpiNet ? $" | {"MPI.NET into us",14} {"x raw",6} | {"MPI.NET new us",13} {"x raw",6}" : "");
        text.AppendLine(new string('-', 10) + "-+-" + new string('-', 18) + "-+-" + new string('-', 27) + "-+-" + new string('-', 25) +
                        (mpiNet ? "-+-" + new string('-', 21) + "-+-" + new string('-', 20) : ""));
        foreach (var bytes in sizes)
        {
            var raw = Median(floor, bytes);
            var first = Median(allocating, bytes);
            var second = Median(into, bytes);
            text.Append(CultureInfo.InvariantCulture,
                $"{Options.FormatBytes(bytes),10} | {raw * 1e6,10:F3} {Rate(bytes, raw),7:F3} | " +
                $"{first * 1e6,12:F3} {Rate(bytes, first),7:F3} {first / raw,6:F2} | " +
                $"{second * 1e6,10:F3} {Rate(bytes, second),7:F3} {second / raw,6:F2}");
            if (mpiNet)
            {
                var netInto = Median(Variant.MpiNetFlattenedInto, bytes);
                var netNew = Median(Variant.MpiNetFlattened, bytes);
                text.Append(CultureInfo.InvariantCulture, $" | {netInto * 1e6,14:F3} {netInto / raw,6:F2} | {netNew * 1e6,13:F3} {netNew / raw,6:F2}");
            }
            text.AppendLine();
        }
        return text.ToString();
    }
}
