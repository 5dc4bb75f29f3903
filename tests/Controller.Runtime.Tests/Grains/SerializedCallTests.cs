using System.Collections.Concurrent;
using System.Diagnostics;
using Controller.Runtime.Diagnostics;
using Controller.Runtime.Grains;

namespace Controller.Runtime.Tests.Grains;

/// <summary>The wire form of calls: what a second silo will receive, exercised in one process.</summary>
public sealed class SerializedCallTests
{
    [Fact]
    public async Task SerializeCalls_GrainMutatesArgument_CallerKeepsItsCopy()
    {
        await using var runtime = Build(serialize: true);
        var sent = new Telemetry("c1", [1, 2, 3]);

        var reply = await runtime.GetGrain<IRecordGrain>("r").ScaleInPlaceAsync(sent, 10, default);

        Assert.Equal([1.0, 2, 3], sent.Gains);
        Assert.Equal([10.0, 20, 30], reply.Gains);
        Assert.Equal("c1", reply.Cell);
        Assert.Equal(6, await runtime.GetGrain<ICounterGrain>("c").AddAsync(6, default));
    }

    [Fact]
    public async Task InProcessCalls_GrainMutatesArgument_CallerSeesIt()
    {
        // The contrast that makes the test above meaningful: without the codec, objects are shared.
        await using var runtime = Build(serialize: false);
        var sent = new Telemetry("c1", [1, 2, 3]);

        await runtime.GetGrain<IRecordGrain>("r").ScaleInPlaceAsync(sent, 10, default);

        Assert.Equal([10.0, 20, 30], sent.Gains);
    }

    [Fact]
    public async Task SerializeCalls_ArgumentThatCannotCrossProcesses_ClearError()
    {
        await using var runtime = Build(serialize: true);

        var error = await Assert.ThrowsAsync<GrainCallSerializationException>(() => runtime.GetGrain<IRecordGrain>("r").CallbackAsync(() => 1));

        Assert.Contains("record.CallbackAsync", error.Message, StringComparison.Ordinal);
        Assert.Contains("record/r", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DispatchEncodedCall_WireCall_RunsOnTheGrainAndCarriesTheTraceParent()
    {
        var stopped = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RuntimeTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Add,
        };
        ActivitySource.AddActivityListener(listener);
        await using var runtime = Build(serialize: false);
        var key = Guid.NewGuid().ToString();
        var remoteParent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var map = new GrainInterfaceMap(typeof(ICounterGrain), typeof(CounterGrain), _ => new CounterGrain());
        var method = map.Method(typeof(ICounterGrain).GetMethod(nameof(ICounterGrain.AddAsync))!);

        var wire = GrainCallCodec.EncodeCall(new GrainId("counter", key), method, [41, CancellationToken.None], remoteParent);
        var reply = await runtime.DispatchEncodedCallAsync(wire, default);

        Assert.Equal(41, GrainCallCodec.DecodeResult<int>(reply));
        Assert.Equal(42, await runtime.GetGrain<ICounterGrain>(key).AddAsync(1, default));
        var span = stopped.First(a => Equals(a.GetTagItem(RuntimeTelemetry.GrainIdTag), $"counter/{key}") && a.DisplayName == "counter.AddAsync" && a.TraceId == remoteParent.TraceId);
        Assert.Equal(remoteParent.SpanId, span.ParentSpanId);
    }

    [Fact]
    public async Task DispatchEncodedCall_UnknownMethod_ClearError()
    {
        await using var runtime = Build(serialize: false);
        var wire = """{"type":"counter","key":"k","method":"Launch","arguments":[]}"""u8.ToArray();

        var error = await Assert.ThrowsAsync<GrainCallSerializationException>(() => runtime.DispatchEncodedCallAsync(wire, default));

        Assert.Contains("no method named 'Launch'", error.Message, StringComparison.Ordinal);
    }

    private static GrainRuntime Build(bool serialize) => new GrainRuntimeBuilder()
        .AddGrain<IRecordGrain, RecordGrain>()
        .AddGrain<ICounterGrain, CounterGrain>()
        .Configure(options => options.SerializeCalls = serialize)
        .Build();
}
