using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Controller.Runtime.Diagnostics;
using Controller.Runtime.Grains;
using Controller.Runtime.Storage;
using Controller.Runtime.Tests.Grains;
using Controller.Runtime.Tests.Timing;

namespace Controller.Runtime.Tests.Diagnostics;

/// <summary>Spans and metrics are process-wide, so these tests filter by their own trace and grain keys.</summary>
public sealed class ObservabilityTests
{
    [Fact]
    public async Task Call_InsideTracedLoop_IsChildSpanAndNestedCallIsGrandchild()
    {
        using var loopSource = new ActivitySource("test.control-loop");
        var stopped = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is RuntimeTelemetry.Name or "test.control-loop",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Add,
        };
        ActivitySource.AddActivityListener(listener);
        await using var runtime = new GrainRuntimeBuilder().AddGrain<ITraceGrain, TraceGrain>().Build();
        var key = Guid.NewGuid().ToString();

        string[] seen;
        ActivityTraceId traceId;
        ActivitySpanId loopSpan;
        using (var loop = loopSource.StartActivity("control-loop"))
        {
            traceId = loop!.TraceId;
            loopSpan = loop.SpanId;
            seen = await runtime.GetGrain<ITraceGrain>(key).CallNestedAsync();
        }

        // seen = [trace, span, parent, name] of the call, then of the nested call.
        Assert.Equal(traceId.ToString(), seen[0]);
        Assert.Equal(loopSpan.ToString(), seen[2]);
        Assert.Equal("trace.CallNestedAsync", seen[3]);
        Assert.Equal(traceId.ToString(), seen[4]);
        Assert.Equal(seen[1], seen[6]);
        Assert.Equal("trace.WhereAmIAsync", seen[7]);
        var callSpan = stopped.Single(a => a.SpanId.ToString() == seen[1]);
        Assert.Equal($"trace/{key}", callSpan.GetTagItem(RuntimeTelemetry.GrainIdTag));
    }

    [Fact]
    public async Task Metrics_CallsOverrunsAndConflicts_AreRecorded()
    {
        var measurements = new ConcurrentQueue<(string Instrument, double Value, string? GrainType)>();
        using var meters = new ScopedMeterFactory();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                // Only this runtime's meter: other tests run runtimes in parallel.
                if (instrument.Meter.Name == RuntimeTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, GrainType(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, GrainType(tags))));
        listener.Start();
        var time = new ManualTimeProvider();
        var storage = new MemoryGrainStorage();
        await using var runtime = new GrainRuntimeBuilder()
            .AddGrain<ICounterGrain, CounterGrain>()
            .AddGrain<ILoopGrain, LoopGrain>()
            .UseStorage(storage)
            .UseTimeProvider(time)
            .UseMeterFactory(meters)
            .Build();

        var counter = runtime.GetGrain<ICounterGrain>(Guid.NewGuid().ToString());
        for (var i = 0; i < 5; i++)
        {
            await counter.AddAsync(1, default);
        }

        var loopKey = Guid.NewGuid().ToString();
        LoopGrain.TickGate[loopKey] = new SemaphoreSlim(0);
        LoopGrain.TickStarted[loopKey] = new SemaphoreSlim(0);
        await runtime.GetGrain<ILoopGrain>(loopKey).StartAsync(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await LoopGrain.TickStarted[loopKey].WaitAsync(TimeSpan.FromSeconds(30)));
        time.Advance(TimeSpan.FromSeconds(3));
        LoopGrain.TickGate[loopKey].Release(100);

        var id = new GrainId("counter", "contended-" + Guid.NewGuid());
        var stale = await PersistentState.ReadAsync<CounterState>(storage, id, "counter", default);
        await storage.WriteAsync(id, "counter", "{}"u8.ToArray(), null, default);
        await Assert.ThrowsAsync<StorageConflictException>(() => stale.WriteAsync(default));
        listener.RecordObservableInstruments();

        Assert.True(measurements.Count(m => m.Instrument == "controller.runtime.calls" && m.GrainType == "counter") >= 5);
        Assert.Contains(measurements, m => m.Instrument == "controller.runtime.call.duration" && m.GrainType == "counter" && m.Value > 0);
        Assert.Contains(measurements, m => m.Instrument == "controller.runtime.activations" && m.GrainType == "counter" && m.Value == 1);
        Assert.Equal(3, measurements.Count(m => m.Instrument == "controller.runtime.timer.overruns" && m.GrainType == "loop"));
        Assert.Contains(measurements, m => m.Instrument == "controller.runtime.mailbox.depth");
        // The stale write above went straight to the provider; conflicts through the runtime's storage are counted:
        await Assert.ThrowsAsync<StorageConflictException>(() => runtime.GetGrainStorage().WriteAsync(id, "counter", "{}"u8.ToArray(), "stale", default));
        Assert.Contains(measurements, m => m.Instrument == "controller.runtime.storage.conflicts");
        Assert.Contains(measurements, m => m.Instrument == "controller.runtime.storage.duration");
    }

    /// <summary>Creates meters scoped to itself, so a listener can pick out one runtime's instruments.</summary>
    private sealed class ScopedMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }

    private static string? GrainType(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == RuntimeTelemetry.GrainTypeTag)
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
