using MlxMpi.Collectives;

namespace MlxMpi.Tests.Facade;

/// <summary>
/// The queue's guarantees without MPI: work runs one at a time, and the work one thread starts (sync or async,
/// mixed) runs in the order that thread started it, also when several threads race on the lock-free fast path.
/// </summary>
[NonParallelizable]
public sealed class CollectiveQueueTests
{
    [Test]
    public void Work_runs_one_at_a_time_and_in_each_threads_start_order()
    {
        const int threads = 4, perThread = 4000;
        var running = 0;
        var overlaps = 0;
        var outOfOrder = 0;
        var lastSeen = new int[threads];
        Array.Fill(lastSeen, -1);
        var seed = TestContext.CurrentContext.Random.Next();

        int Work((int Thread, int Index) s, Exception? announce)
        {
            if (Interlocked.Increment(ref running) != 1)
                Interlocked.Increment(ref overlaps);
            if (lastSeen[s.Thread] != s.Index - 1)
                Interlocked.Increment(ref outOfOrder);
            lastSeen[s.Thread] = s.Index;
            Thread.SpinWait(s.Index % 7 * 10); // uneven lengths, so queues build up and drain at random moments
            Interlocked.Decrement(ref running);
            return s.Index;
        }

        var workers = Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
        {
            var random = new Random(seed + t);
            var pending = new List<Task<int>>();
            for (var i = 0; i < perThread; i++)
            {
                if (random.Next(3) == 0)
                    pending.Add(CollectiveQueue.Enqueue((t, i), Work, CancellationToken.None));
                else
                    Assert.That(CollectiveQueue.Run((t, i), Work), Is.EqualTo(i));
            }
            Task.WaitAll(pending.ToArray());
            Assert.That(pending.All(p => p.Result >= 0), Is.True);
        }, TaskCreationOptions.LongRunning)).ToArray();

        Assert.That(Task.WaitAll(workers, TimeSpan.FromSeconds(120)), Is.True, "the queue stalled (an item stranded)");
        Assert.That(overlaps, Is.Zero, "two collectives ran at once");
        Assert.That(outOfOrder, Is.Zero, "a thread's collectives ran out of start order");
        Assert.That(lastSeen, Is.All.EqualTo(perThread - 1), "every item ran");
    }
}
