using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using MlxMpi.Collectives;
using MlxMpi.Diagnostics;

namespace MlxMpi.Tests.Facade;

[NonParallelizable]
public sealed class EventSourceTests
{
    [Test]
    public void Every_collective_writes_a_start_and_a_stop_event_with_its_description()
    {
        using var listener = new Listener(EventLevel.Informational, new Dictionary<string, string?>());
        var group = Distributed.Init();
        using var x = MlxArray.Zeros([3, 5], Dtype.Float16);
        using (FlightRecorder.Begin(group, CollectiveOp.AllGatherInto, 77_001, CallInput.Of(x))) { }

        var start = listener.Events.Single(e => e.EventId == 1 && (long)e.Payload![3]! == 77_001);
        Assert.That(start.Payload![2], Is.EqualTo("AllGatherInto"));
        Assert.That(start.Payload[4], Is.EqualTo(30L), "bytes");
        Assert.That(start.Payload[5], Is.EqualTo("float16"));
        Assert.That(start.Payload[6], Is.EqualTo("(3, 5)"));
        var stop = listener.Events.Single(e => e.EventId == 2 && (long)e.Payload![3]! == 77_001);
        Assert.That((double)stop.Payload![4]!, Is.GreaterThanOrEqualTo(0));
        Assert.That(stop.Payload[5], Is.EqualTo(false));
    }

    [Test]
    public void Counters_report_completed_collectives_and_the_sequence_in_progress()
    {
        // The source must exist for the listener to enable it at once (a process creates it in Distributed.Init).
        _ = MlxMpiEventSource.Log;
        using var listener = new Listener(EventLevel.LogAlways, new Dictionary<string, string?> { ["EventCounterIntervalSec"] = "0.1" });
        // The first sample sets the baseline increments are counted from: take it before the collectives, and count
        // only the samples after it (on a loaded machine the first sample can take seconds to arrive).
        var first = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < first && listener.Counter("gathers-per-second").Length == 0)
            Thread.Sleep(20);
        var before = listener.Counter("gathers-per-second").Length;
        Assert.That(before, Is.GreaterThan(0), "no counter sample within 30 s");
        var group = Distributed.Init();
        using var x = MlxArray.Zeros([2], Dtype.Int32);
        for (var i = 0; i < 50; i++)
            using (FlightRecorder.Begin(group, CollectiveOp.AllGather, 88_000 + i, CallInput.Of(x))) { }

        using (FlightRecorder.Begin(group, CollectiveOp.AllGather, 88_050, CallInput.Of(x)))
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline && !listener.Counter("current-sequence").Contains(88_050))
                Thread.Sleep(50);
            Assert.That(listener.Counter("current-sequence"), Does.Contain(88_050.0));
        }
        // The rate counter reports increments per interval: wait until the intervals add up to every collective.
        double Counted() => listener.Counter("gathers-per-second").Skip(before).Sum();
        var deadline2 = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline2 && Counted() < 51)
            Thread.Sleep(50);
        Assert.That(Counted(), Is.EqualTo(51), "the 51 collectives, each counted once");
        Assert.That(listener.Counter("last-completed-sequence"), Does.Contain(88_050.0).Or.Contain(88_049.0));
    }

    private sealed class Listener(EventLevel level, IDictionary<string, string?> arguments) : EventListener
    {
        // Queues, not bags: samples are read in the order they arrived.
        private readonly ConcurrentDictionary<string, ConcurrentQueue<double>> counters = new();

        public ConcurrentBag<EventWrittenEventArgs> Events { get; } = [];

        public double[] Counter(string name) => counters.TryGetValue(name, out var values) ? [.. values] : [];

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == MlxMpiEventSource.SourceName)
                EnableEvents(source, level, EventKeywords.All, arguments);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName == "EventCounters" && e.Payload?[0] is IDictionary<string, object> counter)
            {
                var name = (string)counter["Name"];
                var value = Convert.ToDouble(counter.TryGetValue("Increment", out var increment) ? increment : counter["Mean"]);
                counters.GetOrAdd(name, _ => new ConcurrentQueue<double>()).Enqueue(value);
            }
            else if (e.EventSource.Name == MlxMpiEventSource.SourceName)
            {
                Events.Add(e);
            }
        }
    }
}
