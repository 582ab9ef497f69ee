using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace MlxMpi.Diag;

/// <summary>
/// <c>mlxmpi-diag status</c>: attaches to every selected rank at once, samples the MlxMpi counters and events for
/// --duration, then prints where each rank is and names the straggler or the desynced ranks of each job.
/// </summary>
internal static class StatusCommand
{
    // Counters arrive once per interval; on a loaded node (more ranks than cores) a sample may come late.
    private static readonly TimeSpan GraceForLastSample = TimeSpan.FromSeconds(5);

    public static int Run(Options options)
    {
        var selected = JobSelection.Select(options);
        if (selected.Count == 0)
        {
            Console.Error.WriteLine("mlxmpi-diag: no MPI rank processes on this node (see `mlxmpi-diag ps`)");
            return 1;
        }
        var monitors = selected.Select(p => new RankMonitor(p)).ToList();
        try
        {
            Task.WhenAll(monitors.Select(m => m.StartAsync())).GetAwaiter().GetResult();
            // Said on stderr once every session is running, so a script (or a test) knows from when on it counts.
            Console.Error.WriteLine($"mlxmpi-diag: attached to {monitors.Count(m => !m.Observation.Failed)} of {monitors.Count} processes; sampling for {options.Duration.TotalSeconds:F1} s");
            Sample(monitors, options.Duration);
        }
        finally
        {
            Parallel.ForEach(monitors, m => m.Stop());
            foreach (var monitor in monitors)
                monitor.Dispose();
        }

        var jobs = JobSelection.ByJob(selected)
            .Select(job => job.Select(p => monitors.First(m => m.Observation.Process == p).Observation.Snapshot()).ToList())
            .Select(snapshots => (Snapshots: snapshots, Verdict: StragglerAnalysis.Judge(snapshots, options.StuckAfter)))
            .ToList();
        if (options.Json)
            Console.WriteLine(JsonSerializer.Serialize(jobs.Select(j => JsonView(j.Snapshots, j.Verdict)), Json.Options));
        else
            foreach (var (snapshots, verdict) in jobs)
                Print(snapshots, verdict, options.Duration);
        // A rank that exited during the sample still reported until then; only a sample with no data at all failed.
        return jobs.Any(j => j.Snapshots.Any(r => r.HasData)) ? 0 : 1;
    }

    /// <summary>Samples for <paramref name="duration"/>, then until every rank has sent one more sample: the rows
    /// then show each rank as it was after the duration, not up to an interval before its end.</summary>
    private static void Sample(IReadOnlyList<RankMonitor> monitors, TimeSpan duration)
    {
        if (monitors.All(m => m.Observation.Failed))
            return; // no session to wait for
        var clock = Stopwatch.StartNew();
        Thread.Sleep(duration);
        var end = DateTime.UtcNow;
        while (clock.Elapsed < duration + GraceForLastSample && monitors.Any(m => !m.Observation.SampledSince(end) && !m.Observation.Failed))
            Thread.Sleep(50);
    }

    private static void Print(IReadOnlyList<RankSnapshot> snapshots, Verdict verdict, TimeSpan duration)
    {
        var job = snapshots[0].Process.Job ?? "-";
        Console.WriteLine($"job {job}: {snapshots.Count} process{(snapshots.Count == 1 ? "" : "es")}, sampled for {duration.TotalSeconds:F1} s");
        var table = new TextTable("RANK", "PID", "STATE", "COLLECTIVE", "ELAPSED", "LAST DONE", "DONE IN SAMPLE", "ERRORS", "MEAN LATENCY");
        foreach (var r in snapshots)
        {
            var (state, collective, elapsed) = !r.HasData ? (ProcFs.HasExited(r.Process.Pid) == true ? "exited" : r.Error is null ? "no counters" : "no answer", "-", "-")
                : r.InCollective ? ("in collective", r.CurrentName + Detail(r.CurrentCollective), $"{r.CurrentElapsedMs / 1000:F1} s")
                : ("outside", "-", "-");
            table.Add(r.WorldRank?.ToString(CultureInfo.InvariantCulture) ?? "-", r.Process.Pid.ToString(CultureInfo.InvariantCulture), state,
                      collective, elapsed,
                      r.HasData ? (r.LastCompletedSequence < 0 ? "none" : $"#{r.LastCompletedSequence}") : "-",
                      r.HasData ? r.CompletedInSample.ToString(CultureInfo.InvariantCulture) : "-",
                      r.HasData ? r.ErrorsInSample.ToString(CultureInfo.InvariantCulture) : "-",
                      r.MeanLatencyMs is { } ms ? $"{ms:F3} ms" : "-");
        }
        Console.Write(table);
        Console.WriteLine(verdict.Text);
        // Errors go below the table, where their length does not matter. A rank that reported, then went away
        // (exited, or its session broke), shows its last sample above.
        foreach (var r in snapshots.Where(r => r.Error is not null))
            Console.WriteLine($"note: {r.Name}{(r.WorldRank is null ? "" : $" (pid {r.Process.Pid})")}: {r.Error}");
        Console.WriteLine();
    }

    // " (group rank 0 of 3, float32 (2, 3))": what the start event adds to a bare sequence number.
    private static string Detail(CollectiveEvent? start) =>
        start is null ? "" : $" (group rank {start.GroupRank} of {start.GroupSize}{(start.Dtype.Length > 0 ? $", {start.Dtype} {start.Shape}" : "")})";

    private static object JsonView(IReadOnlyList<RankSnapshot> snapshots, Verdict verdict) => new
    {
        job = snapshots[0].Process.Job,
        verdict = new { kind = verdict.Kind.ToString(), ranks = verdict.Ranks, text = verdict.Text },
        ranks = snapshots.Select(r => new
        {
            rank = r.WorldRank,
            pid = r.Process.Pid,
            hasData = r.HasData,
            error = r.Error,
            currentSequence = r.CurrentSequence,
            currentOp = r.CurrentCollective?.Op,
            currentElapsedMs = r.CurrentElapsedMs,
            lastCompletedSequence = r.LastCompletedSequence,
            completedInSample = r.CompletedInSample,
            errorsInSample = r.ErrorsInSample,
            bytesInSample = r.BytesInSample,
            meanLatencyMs = r.MeanLatencyMs,
            lastStop = r.LastStop,
        }),
    };
}
