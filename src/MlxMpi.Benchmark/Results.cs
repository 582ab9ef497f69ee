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

    /// <summary>Bandwidth in GB/s (10^9 bytes): the p*N bytes each rank holds after a gather, per second.</summary>
    internal double GigabytesPerSecond(long bytes, double seconds) => ranks * bytes / seconds / 1e9;

    internal string Csv()
    {
        var text = new StringBuilder("ranks,variant,bytes,repeat,iterations,seconds_per_call\n");
        foreach (var s in samples)
            text.Append(CultureInfo.InvariantCulture, $"{s.Ranks},{s.Variant.CsvName()},{s.Bytes},{s.Repeat},{s.Iterations},{s.Seconds:R}\n");
        return text.ToString();
    }

    internal string Table(IEnumerable<long> sizes, int repeats, Variant[] variants)
    {
        if (variants[0] == Variant.RawAllReduce)
            return ReduceTable(sizes, repeats);
        var mpiNet = samples.Any(s => s.Variant == Variant.MpiNetFlattened);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{ranks} ranks: us = seconds per call (per rank average, max over ranks), median of {repeats} interleaved repeats; " +
            $"GB/s = {ranks} x bytes per rank / time; x raw = time / raw C time");
        text.Append($"{"bytes/rank",10} | {"raw C us",10} {"GB/s",7} | {"AllGather us",12} {"GB/s",7} {"x raw",6} | {"Into us",10} {"GB/s",7} {"x raw",6}");
        text.AppendLine(mpiNet ? $" | {"MPI.NET into us",14} {"x raw",6} | {"MPI.NET new us",13} {"x raw",6}" : "");
        text.AppendLine(new string('-', 10) + "-+-" + new string('-', 18) + "-+-" + new string('-', 27) + "-+-" + new string('-', 25) +
                        (mpiNet ? "-+-" + new string('-', 21) + "-+-" + new string('-', 20) : ""));
        foreach (var bytes in sizes)
        {
            var raw = Median(Variant.RawC, bytes);
            var gather = Median(Variant.AllGather, bytes);
            var into = Median(Variant.AllGatherInto, bytes);
            text.Append(CultureInfo.InvariantCulture,
                $"{Options.FormatBytes(bytes),10} | {raw * 1e6,10:F3} {GigabytesPerSecond(bytes, raw),7:F3} | " +
                $"{gather * 1e6,12:F3} {GigabytesPerSecond(bytes, gather),7:F3} {gather / raw,6:F2} | " +
                $"{into * 1e6,10:F3} {GigabytesPerSecond(bytes, into),7:F3} {into / raw,6:F2}");
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

    /// <summary>The all_sum table: bandwidth is the bytes each rank contributes per second (algorithm bandwidth).</summary>
    private string ReduceTable(IEnumerable<long> sizes, int repeats)
    {
        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"{ranks} ranks, all_sum of float32: us = seconds per call (per rank average, max over ranks), median of {repeats} interleaved repeats; GB/s = bytes per rank / time; x raw = time / raw C MPI_Allreduce time"));
        text.AppendLine($"{"bytes/rank",10} | {"raw C us",10} {"GB/s",7} | {"AllSum us",10} {"GB/s",7} {"x raw",6} | {"Into us",10} {"GB/s",7} {"x raw",6}");
        text.AppendLine(new string('-', 10) + "-+-" + new string('-', 18) + "-+-" + new string('-', 25) + "-+-" + new string('-', 25));
        foreach (var bytes in sizes)
        {
            var raw = Median(Variant.RawAllReduce, bytes);
            var sum = Median(Variant.AllSum, bytes);
            var into = Median(Variant.AllSumInto, bytes);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{Options.FormatBytes(bytes),10} | {raw * 1e6,10:F3} {bytes / raw / 1e9,7:F3} | " +
                $"{sum * 1e6,10:F3} {bytes / sum / 1e9,7:F3} {sum / raw,6:F2} | {into * 1e6,10:F3} {bytes / into / 1e9,7:F3} {into / raw,6:F2}");
        }
        return text.ToString();
    }
}
