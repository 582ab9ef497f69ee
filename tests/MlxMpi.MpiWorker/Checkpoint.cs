namespace MlxMpi.MpiWorker;

/// <summary>
/// After every scenario the ranks gather the scenario's index: if that fails or they disagree, a rank left a
/// scenario early and the collectives are out of step, so running more scenarios would only hang or mislead.
/// </summary>
internal static class Checkpoint
{
    public static bool Passed(Group world, int scenarioIndex, out string reason)
    {
        try
        {
            using var mine = MlxArray.Scalar(scenarioIndex);
            using var all = Distributed.AllGather(mine, world);
            var indices = all.ToArray<int>();
            if (indices.Length != world.Size || indices.Any(i => i != scenarioIndex))
            {
                reason = $"checkpoint after scenario {scenarioIndex}: ranks are at [{string.Join(", ", indices)}]";
                return false;
            }
            reason = "";
            return true;
        }
        catch (Exception e)
        {
            reason = $"checkpoint after scenario {scenarioIndex} threw {Failures.Describe(e)}";
            return false;
        }
    }
}
