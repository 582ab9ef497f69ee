using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;

namespace MlxMpi.Diag;

/// <summary>
/// <c>mlxmpi-diag dump</c>: a dump of every selected rank into one folder, named by job, rank and pid, taken all at
/// once so that the ranks' states belong together (a hang is about how the ranks relate, not one rank alone).
/// Each rank's runtime writes its own dump (createdump), so the folder must be writable by the ranks' user.
/// Open the dumps with `dotnet-dump analyze` (clrstack -all, dumpheap) or lldb with SOS.
/// </summary>
internal static class DumpCommand
{
    // createdump of a large rank (a full dump of many GB) takes minutes; a stopped rank would take forever.
    private static readonly TimeSpan DumpTimeout = TimeSpan.FromMinutes(10);

    public static int Run(Options options)
    {
        var selected = JobSelection.Select(options);
        if (selected.Count == 0)
        {
            Console.Error.WriteLine("mlxmpi-diag: no MPI rank processes on this node (see `mlxmpi-diag ps`)");
            return 1;
        }
        var folder = Path.GetFullPath(options.OutputDirectory
                                      ?? $"mlxmpi-dumps-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
        Directory.CreateDirectory(folder);
        Console.Error.WriteLine($"mlxmpi-diag: writing {options.DumpKind.ToString().ToLowerInvariant()} dumps of {selected.Count} processes to {folder}");

        var failures = 0;
        // Several at once, but not all of a many-rank node: every dump suspends its rank and writes hundreds of MB.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) };
        Parallel.ForEach(selected, parallel, process =>
        {
            var path = Path.Combine(folder, FileName(process));
            try
            {
                DiagnosticsPort.CallAsync(process.Pid, client =>
                {
                    client.WriteDump(options.DumpKind.ToDumpType(), path, logDumpGeneration: false);
                    return true;
                }, DumpTimeout, repeatable: false).GetAwaiter().GetResult(); // a dump being written must not start twice
                lock (folder)
                    Console.WriteLine($"{process.Name} pid {process.Pid}: {path} ({new FileInfo(path).Length / (1024.0 * 1024.0):F1} MiB)");
            }
            catch (Exception e) when (DiagnosticsPort.IsFailure(e) || e is UnauthorizedAccessException)
            {
                Interlocked.Increment(ref failures);
                lock (folder)
                    Console.Error.WriteLine($"mlxmpi-diag: {process.Name} pid {process.Pid}: no dump: {e.Message}");
            }
        });
        return failures == 0 ? 0 : 1;
    }

    /// <summary>"job-160956417-rank-2-pid-4242.dmp": sorted by job and rank in a listing.</summary>
    private static string FileName(RankProcess process)
    {
        var job = string.Concat((process.Job ?? "none").Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        var rank = process.WorldRank is { } r ? $"rank-{r}-" : "";
        return $"job-{job}-{rank}pid-{process.Pid}.dmp";
    }
}
