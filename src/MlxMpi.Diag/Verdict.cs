namespace MlxMpi.Diag;

/// <summary>What status concludes about a job.</summary>
internal enum VerdictKind
{
    /// <summary>No rank in a collective, all at the same last-completed collective.</summary>
    InStep,
    /// <summary>Collectives completing; no rank waiting longer than the stuck threshold.</summary>
    Running,
    /// <summary>Some ranks wait in a collective that the others (the stragglers) have not reached yet.</summary>
    Straggler,
    /// <summary>Ranks wait in different collectives, or some claim to be past the one others wait in.</summary>
    Desync,
    /// <summary>Every rank is in the same collective and has been for long: slow data, or MPI itself stuck.</summary>
    AllWaiting,
    /// <summary>No rank delivered counters.</summary>
    NoData,
}

/// <param name="Ranks">The ranks the verdict names: the stragglers, or the desynced ranks.</param>
internal sealed record Verdict(VerdictKind Kind, IReadOnlyList<int> Ranks, string Text);
