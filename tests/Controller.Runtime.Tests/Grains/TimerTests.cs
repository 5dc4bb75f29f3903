using Controller.Runtime.Grains;
using Controller.Runtime.Tests.Timing;

namespace Controller.Runtime.Tests.Grains;

public sealed class TimerTests : IAsyncLifetime
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);
    private readonly ManualTimeProvider _time = new();
    private GrainRuntime _runtime = null!;

    public Task InitializeAsync()
    {
        _runtime = new GrainRuntimeBuilder().AddGrain<ILoopGrain, LoopGrain>().AddGrain<IPhaseGrain, PhaseGrain>().UseTimeProvider(_time).Build();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var gate in LoopGrain.TickGate.Values)
        {
            gate.Release(1000);
        }

        await _runtime.DisposeAsync();
    }

    [Fact]
    public async Task Timer_CallbackSlowerThanPeriod_SkipsTicksAsOverrunsNeverOverlaps()
    {
        var (grain, key) = await StartLoopAsync();

        _time.Advance(Period);
        await TickStarted(key);
        // Four more periods pass while the first callback is still running.
        for (var i = 0; i < 4; i++)
        {
            _time.Advance(Period);
        }

        var during = await grain.StatsAsync();
        Assert.Equal(1, during.Started);
        Assert.Equal(4, during.Overruns);

        LoopGrain.TickGate[key].Release();
        await WaitForCompletedAsync(grain, 1);
        _time.Advance(Period);
        await TickStarted(key);
        LoopGrain.TickGate[key].Release();
        var after = await WaitForCompletedAsync(grain, 2);

        Assert.Equal(2, after.Started);
        Assert.Equal(4, after.Overruns);
        Assert.Equal(1, after.MaxConcurrent);
    }

    [Fact]
    public async Task Timer_FastCallback_RunsEveryPeriodWithoutOverruns()
    {
        var (grain, key) = await StartLoopAsync();

        for (var tick = 1; tick <= 5; tick++)
        {
            _time.Advance(Period);
            await TickStarted(key);
            LoopGrain.TickGate[key].Release();
            await WaitForCompletedAsync(grain, tick);
        }

        var stats = await grain.StatsAsync();
        Assert.Equal(5, stats.Started);
        Assert.Equal(0, stats.Overruns);
    }

    [Fact]
    public async Task Timer_GrainDeactivated_StopsTicking()
    {
        var (grain, key) = await StartLoopAsync();
        var id = new GrainId("loop", key);
        var activation = _runtime.FindActivation(id)!;
        _time.Advance(Period);
        await TickStarted(key);
        LoopGrain.TickGate[key].Release();
        await WaitForCompletedAsync(grain, 1);

        Assert.True(activation.BeginDeactivation());
        await activation.Completion.WaitAsync(Guard);
        _time.Advance(Period * 10);

        Assert.Equal(0, LoopGrain.TickStarted[key].CurrentCount);
        Assert.False(_runtime.IsActive(id));
    }

    [Fact]
    public async Task PhaseLockedTimer_LateTick_KeepsLaterTicksOnTheirPhaseAndCountsMissedOnes()
    {
        var grain = _runtime.GetGrain<IPhaseGrain>("phase");
        var start = _time.GetTimestamp();
        await grain.StartAsync(TimeSpan.FromMilliseconds(10), Period);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        await WaitForTicksAsync(grain, 1);

        // The process stalls for 250 ms: the tick due at 110 ms is skipped (an overrun), the one due at 210 ms runs late at 260 ms ...
        _time.Jump(TimeSpan.FromMilliseconds(250));
        await WaitForTicksAsync(grain, 2);
        Assert.Equal(1, await grain.OverrunsAsync());

        // ... and the next one is at 310 ms, on the original phase, not 260 + 100 ms.
        _time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.Equal(2, (await grain.TickTimesAsync()).Length);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var ticks = await WaitForTicksAsync(grain, 3);
        Assert.Equal(TimeSpan.FromMilliseconds(310), TimeSpan.FromTicks(ticks[2] - start));
        _time.Advance(Period);
        ticks = await WaitForTicksAsync(grain, 4);
        Assert.Equal(TimeSpan.FromMilliseconds(410), TimeSpan.FromTicks(ticks[3] - start));
        Assert.Equal(1, await grain.OverrunsAsync());
    }

    private static async Task<long[]> WaitForTicksAsync(IPhaseGrain grain, int count)
    {
        using var deadline = new CancellationTokenSource(Guard);
        while (true)
        {
            var ticks = await grain.TickTimesAsync();
            if (ticks.Length >= count)
            {
                return ticks;
            }

            await Task.Delay(1);
            deadline.Token.ThrowIfCancellationRequested();
        }
    }

    private async Task<(ILoopGrain Grain, string Key)> StartLoopAsync()
    {
        var key = Guid.NewGuid().ToString();
        LoopGrain.TickGate[key] = new SemaphoreSlim(0);
        LoopGrain.TickStarted[key] = new SemaphoreSlim(0);
        var grain = _runtime.GetGrain<ILoopGrain>(key);
        await grain.StartAsync(Period);
        return (grain, key);
    }

    private static async Task TickStarted(string key) => Assert.True(await LoopGrain.TickStarted[key].WaitAsync(Guard), "the tick did not start");

    // A tick's completion is recorded just after the callback returns, on the grain's own loop: wait for
    // that phase with a reentrant read rather than a sleep.
    private static async Task<LoopStats> WaitForCompletedAsync(ILoopGrain grain, long completed)
    {
        using var deadline = new CancellationTokenSource(Guard);
        while (true)
        {
            var stats = await grain.StatsAsync();
            if (stats.Completed >= completed)
            {
                return stats;
            }

            await Task.Yield();
            deadline.Token.ThrowIfCancellationRequested();
        }
    }
}
