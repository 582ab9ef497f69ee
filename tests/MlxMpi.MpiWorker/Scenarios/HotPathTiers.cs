using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Runtime.CompilerServices;

namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// No MlxMpi method on the per-call path of AllGather, AllGatherInto, AllGatherAsync, AllSum, AllSumInto and
/// AllSumAsync (inline and data-phase sizes) runs tier-0 code: each is compiled optimised at its first call ([MethodImpl(HotPath.Optimized)]) or
/// inlined into one that is. On a rank pinned to one core the runtime waits seconds before it promotes tier-0 code,
/// so a method missed here costs every small gather there (src/MlxMpi/HotPath.cs).
/// </summary>
/// <remarks>
/// Deterministic, not timed: the launch sets DOTNET_TC_CallCountingDelayMs=0 (test only), so tiered compilation
/// counts calls from the first one and promotes any tier-0 method called 30 times; the runtime's own JIT events
/// (MethodLoadVerbose, tier in MethodFlags) then name every MlxMpi method that was promoted, i.e. that ran hot at
/// tier 0. A control method without the attribute, called as often, must be seen promoted, so the check itself
/// is shown to work.
/// </remarks>
internal static class HotPathTiers
{
    private const int Calls = 300; // 10x the call count at which tiered compilation promotes a method

    [Scenario("hot_path_tiers", Suite.JitTiers)] public static void Run(ScenarioContext context)
    {
        var world = context.World;
        if (OptimizerDisabled(typeof(Distributed)) || OptimizerDisabled(typeof(HotPathTiers)))
        {
            // A Debug build is compiled without optimisation or tiering at all: nothing to check (CI runs Release).
            context.Info("skipped: a Debug build (the JIT optimiser is off for MlxMpi or the worker)");
            return;
        }
        using var listener = new JitTierListener();
        var control = 0L;
        foreach (var elements in new[] { 2, 1024 }) // 8 bytes: inline in the header slot; 4 KiB: a data phase
        {
            var shape = new[] { elements };
            using var x = Dtypes.ToMlx(TestData.Random(Dtype.Float32, shape, context.SeedFor(world.Rank, elements)));
            using var output = MlxArray.Zeros([elements * world.Size], Dtype.Float32);
            using var sum = MlxArray.Zeros(shape, Dtype.Float32);
            for (var i = 0; i < Calls; i++)
            {
                Distributed.AllGatherInto(x, output, world);
                Distributed.AllGather(x, world).Dispose();
                Distributed.AllGatherAsync(x, world).GetAwaiter().GetResult().Dispose();
                Distributed.AllSumInto(x, sum, world);
                Distributed.AllSum(x, world).Dispose();
                Distributed.AllSumAsync(x, world).GetAwaiter().GetResult().Dispose();
                control += Control(i);
            }
            GatherCheck.Run(context, world, $"after the tier loop ({elements * 4} bytes)",
                r => TestData.Random(Dtype.Float32, shape, context.SeedFor(r, elements)));
            GatherCheck.Run(context, world, $"AllGatherInto after the tier loop ({elements * 4} bytes)",
                r => TestData.Random(Dtype.Float32, shape, context.SeedFor(r, elements)),
                (input, group) => { Distributed.AllGatherInto(input, output, group); return output; }, disposeResult: false);
        }
        context.ExpectEqual(control, 2L * Calls * (Calls - 1) / 2, "the control method's sum");

        // The promotions are compiled on the runtime's background thread and reported asynchronously.
        var promoted = listener.WaitForPromotions(TimeSpan.FromSeconds(30), m => m.EndsWith("HotPathTiers::Control", StringComparison.Ordinal));
        var ours = promoted.Where(m => m.StartsWith("MlxMpi.", StringComparison.Ordinal) && !m.StartsWith("MlxMpi.MpiWorker", StringComparison.Ordinal))
                           .Order().ToList();
        context.Info($"promoted from tier 0: {(promoted.Count == 0 ? "nothing" : string.Join(", ", promoted.Order()))}");
        context.Expect(promoted.Any(m => m.EndsWith("HotPathTiers::Control", StringComparison.Ordinal)),
                       "the control method (no attribute, called 600 times) was never seen promoted: the tier check does not work here " +
                       "(was the launch started with DOTNET_TC_CallCountingDelayMs=0?)");
        context.Expect(ours.Count == 0,
                       $"MlxMpi methods ran tier-0 code on the gather path (promoted after 30 calls): {string.Join(", ", ours)}; " +
                       "mark each [MethodImpl(HotPath.Optimized)] (or HotPath.Inlined for one-line accessors)");
    }

    private static bool OptimizerDisabled(Type type) =>
        type.Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false) is [DebuggableAttribute { IsJITOptimizerDisabled: true }, ..];

    // Kept out of line so that it is compiled, counted and promoted like any tier-0 method.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Control(int i) => i;

    /// <summary>Records the methods the runtime promoted out of tier 0 (names as "Namespace::Method").</summary>
    private sealed class JitTierListener : EventListener
    {
        private const int JitKeyword = 0x10;
        // MethodLoadVerbose's MethodFlags carry the code's optimisation tier in bits 7-9 (the runtime's
        // JitOptimizationTier): 1 MinOpts, 2 FullOpts, 3 tier 0, 4 tier 1, 5 tier-1 OSR, 6 instrumented tier 0,
        // 7 instrumented tier 1. Tiers 4-7 only come from promoting code that started at tier 0.
        private const int TierShift = 7, TierMask = 0x7, FirstPromotedTier = 4;
        private readonly object gate = new();
        private readonly HashSet<string> promoted = [];
        private long lastEvent = Stopwatch.GetTimestamp();

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
                EnableEvents(source, EventLevel.Verbose, (EventKeywords)JitKeyword);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName is null || !e.EventName.StartsWith("MethodLoadVerbose", StringComparison.Ordinal) || e.Payload is null || e.PayloadNames is null)
                return;
            var flags = Convert.ToUInt32(e.Payload[e.PayloadNames.IndexOf("MethodFlags")], System.Globalization.CultureInfo.InvariantCulture);
            lock (gate)
            {
                lastEvent = Stopwatch.GetTimestamp();
                if (((flags >> TierShift) & TierMask) >= FirstPromotedTier)
                    promoted.Add($"{e.Payload[e.PayloadNames.IndexOf("MethodNamespace")]}::{e.Payload[e.PayloadNames.IndexOf("MethodName")]}");
            }
        }

        /// <summary>Waits until <paramref name="expected"/> was seen and no JIT event came for a second (at most
        /// <paramref name="limit"/>), then returns what was promoted.</summary>
        internal List<string> WaitForPromotions(TimeSpan limit, Func<string, bool> expected)
        {
            var start = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(start) < limit)
            {
                lock (gate)
                {
                    if (promoted.Any(expected) && Stopwatch.GetElapsedTime(lastEvent) > TimeSpan.FromSeconds(1))
                        break;
                }
                Thread.Sleep(50);
            }
            lock (gate)
                return [.. promoted];
        }
    }
}
