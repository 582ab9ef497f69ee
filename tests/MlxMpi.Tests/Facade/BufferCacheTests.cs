using MlxMpi.Tests.Unit;

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

    [Test]
    public void A_disposed_array_cannot_reach_memory_that_was_handed_to_another_array()
    {
        BufferCache.Clear();
        var rng = TestRandom.Create();
        var stale = MlxArray.FromArray(TestRandom.Values<int>(rng, 16));
        var staleAddress = (nint)stale.DataPointer;
        stale.Dispose();
        var values = TestRandom.Values<int>(rng, 16);
        using var next = MlxArray.FromArray(values);
        Assert.That((nint)next.DataPointer, Is.EqualTo(staleAddress), "the same buffer was reused");
        Assert.Throws<ObjectDisposedException>(() => stale.AcquireData().Dispose());
        Assert.Throws<ObjectDisposedException>(() => stale.Transpose());
        Assert.Throws<ObjectDisposedException>(() => stale.ToArray<int>());
        Assert.That(next.ToArray<int>(), Is.EqualTo(values), "the new owner's values are intact");
    }

    [Test]
    public void A_lease_keeps_memory_out_of_the_cache_until_it_ends()
    {
        BufferCache.Clear();
        var rng = TestRandom.Create();
        var values = TestRandom.Values<long>(rng, 8);
        var array = MlxArray.FromArray(values);
        var lease = array.AcquireData();
        array.Dispose();
        using (var other = MlxArray.FromArray(TestRandom.Values<long>(rng, 8)))
            Assert.That((nint)other.DataPointer, Is.Not.EqualTo((nint)lease.Base), "leased memory is not handed out");
        Assert.That(new ReadOnlySpan<long>(lease.Base, 8).ToArray(), Is.EqualTo(values));
        lease.Dispose();
        using var after = MlxArray.FromArray(values);
        Assert.That((nint)after.DataPointer, Is.EqualTo((nint)lease.Base), "released with the lease, then reused");
    }

    [Test]
    public void Buffers_of_two_mebibytes_or_more_are_aligned_and_advised_for_huge_pages()
    {
        using var large = MlxArray.Zeros([3 << 20], Dtype.UInt8);
        var address = (long)large.DataPointer;
        Assert.That(address % (2L << 20), Is.Zero, "2 MiB aligned");
        using var small = MlxArray.Zeros([1 << 20], Dtype.UInt8);
        Assert.That((long)small.DataPointer % NativeBuffer.Alignment, Is.Zero);
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/smaps"))
            Assert.Ignore("no /proc/self/smaps to read the advice back from");
        // The kernel reports madvise(MADV_HUGEPAGE) as the "hg" flag of the mapping that holds the buffer.
        var flags = MappingFlags(address);
        Assert.That(flags, Does.Contain("hg"), $"VmFlags of the mapping at 0x{address:x}: {flags}");
    }

    /// <summary>The VmFlags line of the /proc/self/smaps entry that contains <paramref name="address"/>.</summary>
    private static string MappingFlags(long address)
    {
        var inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var dash = line.IndexOf('-');
            if (dash > 0 && line.IndexOf(' ') > dash && long.TryParse(line.AsSpan(0, dash), System.Globalization.NumberStyles.HexNumber, null, out var start))
            {
                var end = long.Parse(line.AsSpan(dash + 1, line.IndexOf(' ') - dash - 1), System.Globalization.NumberStyles.HexNumber);
                inside = address >= start && address < end;
            }
            else if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal))
            {
                return line;
            }
        }
        return "(no mapping found)";
    }
}
