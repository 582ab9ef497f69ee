using System.Runtime.CompilerServices;

namespace MlxMpi;

/// <summary>
/// What every method on a gather's per-call path carries: <c>[MethodImpl(HotPath.Optimized)]</c>, so it is compiled
/// fully optimised at its first call instead of starting at tier-0 code and waiting for tiered compilation.
/// </summary>
/// <remarks>
/// Why (measured 2026-12-01, .NET 10.0.12, Open MPI 4.1, 2 ranks; docs/performance.md, "Pinned ranks and the JIT"):
/// a rank pinned to one core (mpiexec --bind-to core, Slurm --cpu-bind=cores) sees one CPU, and the runtime then
/// multiplies its tiering delay by 10 (TC_DelaySingleProcMultiplier): call counting starts only after 1 s (not
/// 100 ms) in which no method ran for the first time, and tier 0 -> instrumented tier 0 -> tier 1 waits for the
/// background worker at each step. A job that keeps touching new code now and then stays on tier-0 code for
/// seconds or for good: an 8-byte AllGather cost 1.19-1.95 us there against 0.41 us at tier 1. With the attribute
/// the path is optimised from call 1 whatever the binding; the price is dynamic PGO for these methods, about
/// 0.02-0.03 us per 8-byte gather against tier 1 with PGO. Small callees need nothing when the JIT inlines them; a
/// method it does not inline (a loop, a try block, a throw, too large, a class with a static constructor) and
/// that runs on every call needs the attribute too. The MPI test hot_path_tiers
/// (tests/MlxMpi.Tests/Mpi/HotPathTierTests.cs) names, from the runtime's own JIT events, any that ran tier-0 code.
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
