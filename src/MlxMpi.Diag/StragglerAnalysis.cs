namespace MlxMpi.Diag;

/// <summary>
/// Names the ranks holding a job back, from where each rank is. A collective completes only when every rank of its
/// group has entered it, so ranks that have waited in collective #n for long are waiting for the ranks that have not
/// reached #n: those are the stragglers. Ranks waiting in different collectives, or past the one the others wait in,
/// no longer agree on the order of collectives: they are desynced (a deadlock, not a slow rank).
/// Sequence numbers count per group; the comparison is exact for jobs that use one group (or the same groups in
/// the same order on every rank), which is what the numbers are there to check.
/// </summary>
internal static class StragglerAnalysis
{
    public static Verdict Judge(IReadOnlyList<RankSnapshot> ranks, TimeSpan stuckAfter)
    {
        var known = ranks.Where(r => r.HasData).ToList();
        var silent = ranks.Where(r => !r.HasData).ToList();
        var silentNote = silent.Count == 0 ? "" : $"; no counters from {Names(silent)}";
        if (known.Count == 0)
            return new Verdict(VerdictKind.NoData, [], "no rank reported MlxMpi counters: no collective yet (the MlxMpi event source appears with the first one), or not answering");

        var waiting = known.Where(r => r.InCollective && r.CurrentElapsedMs >= stuckAfter.TotalMilliseconds).ToList();
        if (waiting.Count == 0)
            return Progress(known, silentNote);

        var bySequence = waiting.GroupBy(r => r.CurrentSequence).OrderBy(g => g.Key).ToList();
        if (bySequence.Count > 1)
        {
            var where = string.Join("; ", bySequence.Select(g => $"{Names(g)} in {g.First().CurrentName}"));
            return new Verdict(VerdictKind.Desync, Ranks(waiting),
                $"desynced: ranks wait in different collectives ({where}), so none of them can complete{silentNote}");
        }

        var stuck = bySequence[0].Key;
        var name = waiting.Select(r => r.CurrentCollective?.Name).FirstOrDefault(n => n is not null) ?? $"#{stuck}";
        var longest = TimeSpan.FromMilliseconds(waiting.Max(r => r.CurrentElapsedMs));
        var inIt = known.Where(r => r.InCollective && r.CurrentSequence == stuck).ToList();
        var behind = known.Where(r => !inIt.Contains(r) && r.Position < stuck).ToList();
        var ahead = known.Where(r => !inIt.Contains(r) && r.Position >= stuck).ToList();
        var waiters = $"{Names(inIt)} {(inIt.Count == 1 ? "has" : "have")}";
        var waitText = $"{waiters} been waiting in {name} for {Seconds(longest)}";

        if (ahead.Count > 0)
        {
            var claims = string.Join("; ", ahead.Select(r => $"{r.Name} {(r.InCollective ? $"is in {r.CurrentName}" : $"completed #{r.LastCompletedSequence}")}"));
            return new Verdict(VerdictKind.Desync, Ranks([.. ahead, .. behind]),
                $"desynced: {waitText}, but {claims}: they counted collectives differently (another group, or a call the others did not make){silentNote}");
        }
        if (behind.Count > 0)
        {
            var where = string.Join("; ", behind.Select(r => r.InCollective
                ? $"{r.Name} is in {r.CurrentName}"
                : $"{r.Name} is outside any collective, last completed #{r.LastCompletedSequence}"));
            return new Verdict(VerdictKind.Straggler, Ranks(behind),
                $"straggler: {Names(behind)} {(behind.Count == 1 ? "has" : "have")} not reached {name}, which {waiters} been waiting in " +
                $"for {Seconds(longest)}; {where}{silentNote}");
        }
        var suspects = silent.Count > 0 ? $"; the ranks without counters are the suspects: {Names(silent)}" : "; every rank is in it: slow data, or MPI itself stuck";
        return new Verdict(VerdictKind.AllWaiting, Ranks(silent), $"{waitText}{suspects}");
    }

    // Nobody has waited long: either every rank is idle at the same point, or collectives are flowing.
    private static Verdict Progress(IReadOnlyList<RankSnapshot> known, string silentNote)
    {
        var positions = known.Select(r => r.Position).Distinct().ToList();
        if (positions.Count == 1 && known.All(r => !r.InCollective))
        {
            var last = positions[0] < 0 ? "none yet" : $"#{positions[0]}";
            return new Verdict(VerdictKind.InStep, [], $"in step: no rank is in a collective; last completed on every rank: {last}{silentNote}");
        }
        var lowest = positions.Min();
        if (known.All(r => r.CompletedInSample == 0 && !r.InCollective))
        {
            // Nothing moved during the whole sample, yet the ranks stopped at different points: the ones behind are
            // not even in a collective, so whatever holds them is outside MlxMpi (compute, I/O, another library).
            var behind = known.Where(r => r.Position == lowest).ToList();
            return new Verdict(VerdictKind.Straggler, Ranks(behind),
                $"straggler: {Names(behind)} stopped at #{lowest} while others completed up to #{positions.Max()}, and nothing completed during the sample{silentNote}");
        }
        var done = known.Sum(r => r.CompletedInSample);
        return new Verdict(VerdictKind.Running, [],
            $"running: {done} collectives completed during the sample across {known.Count} ranks; positions #{lowest} to #{positions.Max()}{silentNote}");
    }

    private static IReadOnlyList<int> Ranks(IEnumerable<RankSnapshot> ranks) =>
        [.. ranks.Where(r => r.WorldRank is not null).Select(r => r.WorldRank!.Value).Distinct().Order()];

    /// <summary>"rank 1", "ranks 0, 2": how the verdict names ranks (a process of unknown rank by its pid).</summary>
    private static string Names(IEnumerable<RankSnapshot> ranks)
    {
        var list = ranks.OrderBy(r => r.WorldRank ?? int.MaxValue).ToList();
        if (list.All(r => r.WorldRank is not null))
            return list.Count == 1 ? $"rank {list[0].WorldRank} (pid {list[0].Process.Pid})" : $"ranks {string.Join(", ", list.Select(r => r.WorldRank))}";
        return string.Join(", ", list.Select(r => r.Name));
    }

    private static string Seconds(TimeSpan time) => $"{time.TotalSeconds:F1} s";
}
