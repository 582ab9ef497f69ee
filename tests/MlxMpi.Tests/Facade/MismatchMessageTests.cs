using MlxMpi.Collectives;

namespace MlxMpi.Tests.Facade;

public sealed class MismatchMessageTests
{
    [TestCase(new[] { 3 }, "rank 3")]
    [TestCase(new[] { 0, 1, 2, 5 }, "ranks 0-2, 5")]
    [TestCase(new[] { 1, 2, 4, 5, 6, 9 }, "ranks 1, 2, 4-6, 9")]
    public void Rank_lists_are_compact(int[] ranks, string expected) =>
        Assert.That(MismatchMessage.RankList(ranks), Is.EqualTo(expected));
}
