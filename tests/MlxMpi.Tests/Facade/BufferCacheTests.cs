namespace MlxMpi.Tests.Facade;

[NonParallelizable]
public sealed unsafe class BufferCacheTests
{
    [Test]
    public void Every_size_gets_a_class_that_holds_it_with_at_most_a_quarter_of_slack()
    {
        var random = new Random(TestContext.CurrentContext.Random.Next());
        var sizes = new List<long> { 1, 63, 64, 65, 80, 81, 127, 128, 129, 4096, 1 << 20, (1L << 31) + 1, (1L << 40) - 1 };
        for (var i = 0; i < 10_000; i++)
            sizes.Add(random.NextInt64(1, 1L << 36));
        foreach (var bytes in sizes)
        {
            var capacity = BufferCache.CapacityOf(BufferCache.ClassOf(bytes));
            Assert.That(capacity, Is.GreaterThanOrEqualTo(bytes), $"{bytes}");
            Assert.That(capacity, Is.LessThanOrEqualTo(Math.Max(64, bytes + bytes / 4 + 1)), $"{bytes}");
            Assert.That(capacity % 16, Is.Zero, $"{bytes}");
        }
    }

    [Test]
    public void Classes_are_monotonic()
    {
        for (long bytes = 1; bytes < 100_000; bytes++)
            Assert.That(BufferCache.ClassOf(bytes + 1), Is.GreaterThanOrEqualTo(BufferCache.ClassOf(bytes)));
    }

    [Test]
    public void A_disposed_array_memory_is_reused_by_the_next_array_of_a_similar_size()
    {
        BufferCache.Clear();
        using (var first = MlxArray.Zeros([1000, 100], Dtype.Float32))
        {
            var address = (nint)first.DataPointer;
            first.Dispose();
            using var second = MlxArray.Ones([990, 101], Dtype.Float32);
            Assert.That((nint)second.DataPointer, Is.EqualTo(address));
            Assert.That(second.ToArray<float>(), Is.All.EqualTo(1f), "reused memory is fully overwritten");
        }
    }

    [Test]
    public void Memory_past_the_limit_is_freed_not_cached()
    {
        BufferCache.Clear();
        var saved = BufferCache.Limit;
        try
        {
            BufferCache.Limit = 1 << 20;
            MlxArray.Zeros([1 << 19], Dtype.UInt8).Dispose();
            Assert.That(BufferCache.CachedBytes, Is.EqualTo(BufferCache.CapacityOf(BufferCache.ClassOf(1 << 19))));
            MlxArray.Zeros([1 << 21], Dtype.UInt8).Dispose();
            Assert.That(BufferCache.CachedBytes, Is.LessThanOrEqualTo(1 << 20));
        }
        finally
        {
            BufferCache.Limit = saved;
            BufferCache.Clear();
        }
    }
}
