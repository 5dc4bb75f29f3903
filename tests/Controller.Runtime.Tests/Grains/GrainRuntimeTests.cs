using System.Text;
using Controller.Runtime.Grains;
using Controller.Runtime.Storage;
using Controller.Runtime.Tests.Timing;

namespace Controller.Runtime.Tests.Grains;

public sealed class GrainRuntimeTests : IAsyncLifetime
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private readonly ManualTimeProvider _time = new();
    private readonly MemoryGrainStorage _storage = new();
    private GrainRuntime _runtime = null!;

    public Task InitializeAsync()
    {
        _runtime = Build();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _runtime.DisposeAsync();

    [Fact]
    public async Task Call_FirstCall_ActivatesAndAnswers()
    {
        var grain = _runtime.GetGrain<ICounterGrain>("a");
        Assert.Equal(0, _runtime.ActivationCount);

        Assert.Equal(5, await grain.AddAsync(5, default));
        Assert.Equal(42, await grain.EchoAsync(42));
        Assert.Equal(1, _runtime.ActivationCount);
        Assert.True(_runtime.IsActive(new GrainId("counter", "a")));
    }

    [Fact]
    public async Task Call_ConcurrentCallers_TurnsNeverInterleave()
    {
        var grain = _runtime.GetGrain<ICounterGrain>("busy");
        var callers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                await grain.AddAsync(1, default);
            }
        }));

        await Task.WhenAll(callers).WaitAsync(Guard);

        // Each AddAsync yields between its read and its write: any interleaving would lose increments.
        Assert.Equal(1600, await grain.GetAsync());
        Assert.Equal(1, await grain.MaxConcurrentTurnsAsync());
    }

    [Fact]
    public async Task Call_ReentrantMethod_RunsWhileATurnIsWaiting()
    {
        var grain = _runtime.GetGrain<IPingGrain>("p");
        var waiting = grain.WaitForSignalAsync();

        // Without [Reentrant], SignalAsync would queue behind WaitForSignalAsync forever.
        await grain.SignalAsync("go").WaitAsync(Guard);

        Assert.Equal("go", await waiting.WaitAsync(Guard));
    }

    [Fact]
    public async Task Call_GrainThrows_CallerGetsExceptionAndGrainStaysUsable()
    {
        var grain = _runtime.GetGrain<ICounterGrain>("f");
        await grain.AddAsync(3, default);

        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.FailAsync("bad telemetry"));

        Assert.Equal("bad telemetry", exception.Message);
        Assert.Equal(4, await grain.AddAsync(1, default));
    }

    [Fact]
    public async Task Call_CancelledWhileQueued_CancelledWithoutRunning()
    {
        var key = Guid.NewGuid().ToString();
        var grain = _runtime.GetGrain<IGateGrain>(key);
        var first = grain.WaitAsync(default);
        await Entered(key);
        using var cancellation = new CancellationTokenSource();
        var queued = grain.WaitAsync(cancellation.Token);

        await cancellation.CancelAsync();
        GateGrain.Gates[key].SetResult();

        await first.WaitAsync(Guard);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.WaitAsync(Guard));
        Assert.Equal(1, await grain.CompletedAsync());
    }

    [Fact]
    public async Task Call_TokenCancelledDuringTurn_FlowsIntoTheGrain()
    {
        var key = Guid.NewGuid().ToString();
        var grain = _runtime.GetGrain<IGateGrain>(key);
        using var cancellation = new CancellationTokenSource();
        var call = grain.WaitAsync(cancellation.Token);
        await Entered(key);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Guard));
    }

    [Fact]
    public async Task Call_OverloadedGrain_MailboxStaysBoundedAndEveryCallCompletes()
    {
        await using var runtime = Build(options => options.MailboxCapacity = 4);
        var key = Guid.NewGuid().ToString();
        var grain = runtime.GetGrain<IGateGrain>(key);
        var first = grain.WaitAsync(default);
        await Entered(key);

        var flood = Enumerable.Range(0, 100).Select(_ => grain.WaitAsync(default)).ToList();

        var activation = ActivationOf(runtime, new GrainId("gate", key));
        Assert.True(activation.QueueLength <= 4, $"queue length {activation.QueueLength}");
        Assert.Contains(flood, call => !call.IsCompleted);
        GateGrain.Gates[key].SetResult();
        await Task.WhenAll(flood.Append(first)).WaitAsync(Guard);
        Assert.Equal(101, await grain.CompletedAsync());
    }

    [Fact]
    public async Task Deactivation_IdleGrain_PersistsAndNextCallRestoresState()
    {
        var grain = _runtime.GetGrain<ICounterGrain>("idle");
        await grain.AddAsync(7, default);
        var completion = ActivationOf(_runtime, new GrainId("counter", "idle")).Completion;

        // The collector runs every minute and deactivates what has been idle for 10 minutes.
        _time.Advance(TimeSpan.FromMinutes(11));
        await completion.WaitAsync(Guard);

        Assert.False(_runtime.IsActive(new GrainId("counter", "idle")));
        Assert.NotNull(await _storage.ReadAsync(new GrainId("counter", "idle"), "counter", default));
        Assert.Equal(10, await grain.AddAsync(3, default));
    }

    [Fact]
    public async Task Deactivation_ActiveGrain_IsNotCollected()
    {
        var grain = _runtime.GetGrain<ICounterGrain>("kept");
        for (var minute = 0; minute < 30; minute++)
        {
            await grain.AddAsync(1, default);
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.True(_runtime.IsActive(new GrainId("counter", "kept")));
    }

    [Fact]
    public async Task Dispose_LiveGrains_DeactivatedAndPersisted()
    {
        var runtime = Build();
        await runtime.GetGrain<ICounterGrain>("x").AddAsync(2, default);
        await runtime.GetGrain<ICounterGrain>("y").AddAsync(9, default);

        await runtime.DisposeAsync();

        await using var next = Build();
        Assert.Equal(2, await next.GetGrain<ICounterGrain>("x").GetAsync());
        Assert.Equal(9, await next.GetGrain<ICounterGrain>("y").GetAsync());
    }

    [Fact]
    public async Task Activation_CorruptState_FailsNamingGrainAndKeepsTheBytes()
    {
        var id = new GrainId("counter", "corrupt");
        var garbage = Encoding.UTF8.GetBytes("{\"Value\": 12, \"Activ");
        var etag = await _storage.WriteAsync(id, "counter", garbage, null, default);
        var grain = _runtime.GetGrain<ICounterGrain>("corrupt");

        var failure = await Assert.ThrowsAsync<GrainActivationException>(() => grain.GetAsync());

        var corrupt = Assert.IsType<CorruptStateException>(failure.InnerException);
        Assert.Contains("counter/corrupt", failure.Message, StringComparison.Ordinal);
        Assert.Contains(_storage.Describe(id, "counter"), corrupt.Message, StringComparison.Ordinal);
        var stored = await _storage.ReadAsync(id, "counter", default);
        Assert.Equal(etag, stored!.ETag);
        Assert.Equal(garbage, stored.Data.ToArray());

        // Once an operator repairs the state, the next call activates normally.
        await _storage.WriteAsync(id, "counter", Encoding.UTF8.GetBytes("{\"Value\": 12}"), etag, default);
        Assert.Equal(12, await grain.GetAsync());
    }

    [Fact]
    public async Task State_StaleActivation_WriteIsAConflictNotAnOverwrite()
    {
        var id = new GrainId("counter", "contended");
        var first = await PersistentState.ReadAsync<CounterState>(_storage, id, "counter", default);
        var second = await PersistentState.ReadAsync<CounterState>(_storage, id, "counter", default);
        first.Value.Value = 1;
        await first.WriteAsync(default);

        second.Value.Value = 2;
        await Assert.ThrowsAsync<StorageConflictException>(() => second.WriteAsync(default));

        await second.ReloadAsync(default);
        Assert.Equal(1, second.Value.Value);
    }

    private static GrainActivationHandle ActivationOf(GrainRuntime runtime, GrainId id) => new(runtime.FindActivation(id) ?? throw new InvalidOperationException($"{id} is not active"));

    private static Task Entered(string key) => GateGrain.Entered.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(Guard);

    private GrainRuntime Build(Action<GrainRuntimeOptions>? configure = null) => new GrainRuntimeBuilder()
        .AddGrain<ICounterGrain, CounterGrain>()
        .AddGrain<IGateGrain, GateGrain>()
        .AddGrain<IPingGrain, PingGrain>()
        .AddGrain<ILoopGrain, LoopGrain>()
        .AddGrain<ITraceGrain, TraceGrain>()
        .UseStorage(_storage)
        .UseTimeProvider(_time)
        .Configure(options => configure?.Invoke(options))
        .Build();

    /// <summary>A test's view of an activation's internals.</summary>
    private sealed class GrainActivationHandle(Activation activation)
    {
        public int QueueLength => activation.QueueLength;

        public Task Completion => activation.Completion;
    }
}
