namespace MlxMpi.MpiWorker.Scenarios;

/// <summary>
/// Scenarios for the multi-node tests (tests/MlxMpi.Tests/MultiNode), where the ranks run in different network
/// namespaces of scripts/netns-cluster.sh.
/// </summary>
internal static class MultiNode
{
    /// <summary>
    /// Prints <c>INFO r node_identity: netns net:[inode] pid P</c>, the network namespace this rank runs in, so the test
    /// can check which "node" each rank landed on; then every rank checks that the world agrees on every rank's
    /// namespace (a gather of the inodes, which also crosses the network).
    /// </summary>
    [Scenario("node_identity", Suite.MultiNode)] public static void NodeIdentity(ScenarioContext context)
    {
        var world = context.World;
        var netns = new FileInfo("/proc/self/ns/net").LinkTarget ?? "unknown";
        context.Info($"netns {netns} pid {Environment.ProcessId}");

        var inode = ParseInode(netns);
        using var mine = MlxArray.FromArray(new long[] { inode, world.Rank });
        using var all = Distributed.AllGather(mine, world);
        var table = all.ToArray<long>();
        context.ExpectEqual(table.Length, 2 * world.Size, "gathered table length");
        for (var r = 0; r < world.Size && 2 * r + 1 < table.Length; r++)
        {
            context.ExpectEqual(table[2 * r + 1], (long)r, $"rank slot {r}");
            context.Expect(table[2 * r] > 0, $"rank {r} reported no network namespace inode");
        }
    }

    /// <summary>
    /// Gathers in a loop forever, every result checked: the test takes a node's link down meanwhile, and the job must
    /// then end through the collective timeout (MLXMPI_TIMEOUT). Prints <c>pid P host H</c> first and
    /// <c>looping after N gathers</c> once the loop is warm, so the test knows when to pull the link.
    /// </summary>
    [Scenario("gather_until_link_down", Suite.MultiNode)] public static void GatherUntilLinkDown(ScenarioContext context)
    {
        const int Warmup = 20;
        var world = context.World;
        context.Info($"pid {Environment.ProcessId} host {Environment.MachineName}");
        for (var i = 0; ; i++)
        {
            var dtype = Dtypes.All[i % Dtypes.All.Count];
            // Alternate the inline header path and the data phase.
            int[] shape = i % 2 == 0 ? [3, 2] : [64, 33];
            GatherCheck.Run(context, world, $"gather {i} {dtype}", r => TestData.Random(dtype, shape, context.SeedFor(r, i)));
            if (i == Warmup)
                context.Info($"looping after {Warmup} gathers, failures: {context.FailureSummary() ?? "none"}");
        }
    }

    private static long ParseInode(string link)
    {
        // "net:[4026531840]"
        var open = link.IndexOf('[');
        var close = link.IndexOf(']');
        return open >= 0 && close > open && long.TryParse(link.AsSpan(open + 1, close - open - 1), out var inode) ? inode : -1;
    }
}
