using MlxMpi.Collectives;
using MlxMpi.Diagnostics;

namespace MlxMpi.Tests.Facade;

[NonParallelizable]
public sealed class FlightRecorderTests
{
    [Test]
    public void Completed_calls_are_counted_per_op()
    {
        var group = Distributed.Init();
        using var x = MlxArray.Ones([2], Dtype.Float32);
        var ops = Enum.GetValues<CollectiveOp>();
        var before = ops.ToDictionary(op => op, FlightRecorder.CompletedOf);
        var random = new Random(TestContext.CurrentContext.Random.Next());
        var calls = ops.ToDictionary(op => op, _ => random.Next(1, 5));
        foreach (var (op, count) in calls)
        {
            for (var i = 0; i < count; i++)
            {
                using (FlightRecorder.Begin(group, op, 5000 + i, CallInput.Of(x))) { }
            }
        }
        foreach (var op in ops)
            Assert.That(FlightRecorder.CompletedOf(op) - before[op], Is.EqualTo(calls[op]), $"{op}");
    }

    [Test]
    public void The_recorder_keeps_the_last_16_collectives_oldest_first()
    {
        var group = Distributed.Init();
        using var x = MlxArray.Zeros([4, 3], Dtype.BFloat16);
        for (var seq = 1000L; seq < 1020; seq++)
        {
            using (FlightRecorder.Begin(group, CollectiveOp.AllGather, seq, CallInput.Of(x)))
            {
                Assert.That(FlightRecorder.TryGetCurrent(out var current), Is.True);
                Assert.That(current.Sequence, Is.EqualTo(seq));
                if (seq == 1019)
                {
                    // The one in progress is not part of the history, which still holds the 16 before it.
                    Assert.That(FlightRecorder.RecentlyCompleted().Select(r => r.Sequence), Is.EqualTo(Enumerable.Range(1003, 16).Select(i => (long)i)));
                    FlightRecorder.MarkFailed();
                }
            }
        }
        Assert.That(FlightRecorder.TryGetCurrent(out _), Is.False);
        var recent = FlightRecorder.RecentlyCompleted();
        Assert.That(recent.Select(r => r.Sequence), Is.EqualTo(Enumerable.Range(1004, 16).Select(i => (long)i)));
        Assert.That(recent.Select(r => r.Failed), Is.EqualTo(Enumerable.Repeat(false, 15).Append(true)));
    }

    [Test]
    public void The_timeout_report_names_the_op_sequence_shape_and_history()
    {
        var group = Distributed.Init();
        using var x = MlxArray.Zeros([7, 2, 5], Dtype.Int16);
        using (FlightRecorder.Begin(group, CollectiveOp.AllGatherUneven, 41, CallInput.Of(x))) { }
        using (FlightRecorder.Begin(group, CollectiveOp.AllGatherInto, 42, CallInput.Of(x)))
        {
            FlightRecorder.TryGetCurrent(out var stuck);
            var report = CollectiveWatchdog.Report(stuck, TimeSpan.FromSeconds(6.5), TimeSpan.FromSeconds(5));
            Assert.That(report, Does.StartWith("MlxMpi watchdog: AllGatherInto #42 on rank 0 of 1 timed out after 6.5 s"));
            Assert.That(report, Does.Contain("shape (7, 2, 5) int16"));
            Assert.That(report, Does.Contain($"pid {Environment.ProcessId}"));
            Assert.That(report, Does.Contain("AllGatherUneven #41"));
            Assert.That(report, Does.Contain("MPI_Abort"));
        }
    }

    [Test]
    public void The_timeout_must_be_positive_or_infinite()
    {
        Assert.That(() => Distributed.CollectiveTimeout = TimeSpan.Zero, Throws.InstanceOf<ArgumentOutOfRangeException>());
        Distributed.CollectiveTimeout = TimeSpan.FromHours(1);
        Assert.That(Distributed.CollectiveTimeout, Is.EqualTo(TimeSpan.FromHours(1)));
        Distributed.CollectiveTimeout = Timeout.InfiniteTimeSpan;
        Assert.That(Distributed.CollectiveTimeout, Is.EqualTo(Timeout.InfiniteTimeSpan));
    }
}
