using System.Runtime.CompilerServices;

namespace MlxMpi;

/// <summary>
/// What every method on a gather's per-call path carries: <c>[MethodImpl(HotPath.Optimized)]</c>, so it is compiled
/// fully optimised at its first call instead of starting at tier-0 code and waiting for tiered compilation.
/// </summary>
/// <remarks>
/// Why (measured, 2026-12-01, .NET 10.0.12, Open MPI 4.1, 2 ranks): a rank pinned to one core (mpiexec
/// --bind-to core, Slurm --cpu-bind=cores) sees one CPU, and the runtime then multiplies its tiering delay by 10
/// (TC_DelaySingleProcMultiplier): call counting starts only after 1 s (not 100 ms) in which no method ran for the
/// first time, and the tier-0 -> instrumented tier-0 -> tier-1 steps each wait for the background worker again. A
/// job that keeps touching new code now and then (its own work, the benchmark's rounds) stays on tier-0 code for
/// seconds or for good: an 8-byte AllGather cost 1.19-1.95 us there against 0.41 us at tier 1. With the attribute
/// the path is optimised from call 1 whatever the binding, at the price of dynamic PGO for these methods, which
/// measured no slower here (docs/performance.md, "Pinned ranks and the JIT"). Small callees (getters, one-line
/// helpers) need nothing: they are inlined into the optimised callers. A method that the JIT does not inline
/// (a loop, a try block, too large) and that runs on every call needs the attribute too; the MPI test
/// HotPathOptimisedFromFirstCall lists, from the runtime's own JIT events, any that was compiled at tier 0.
/// </remarks>
internal static class HotPath
{
    internal const MethodImplOptions Optimized = MethodImplOptions.AggressiveOptimization;

    /// <summary>
    /// For one-line accessors on the path: inlined into the optimised callers (which, compiled without a profile,
    /// left even 7-byte getters as calls) and optimised where a caller still calls them.
    /// </summary>
    internal const MethodImplOptions Inlined = MethodImplOptions.AggressiveOptimization | MethodImplOptions.AggressiveInlining;
}
