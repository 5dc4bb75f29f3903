using System.Collections.Concurrent;
using System.Diagnostics;
using Controller.Runtime.Grains;
using Controller.Runtime.Storage;
using Controller.Runtime.Timers;

namespace Controller.Runtime.Tests.Grains;

public interface ICounterGrain : IGrain
{
    Task<int> AddAsync(int amount, CancellationToken cancellationToken);

    Task<int> GetAsync();

    ValueTask<int> EchoAsync(int value);

    Task FailAsync(string message);

    /// <summary>Returns the highest number of turns this activation ever saw running at once.</summary>
    Task<int> MaxConcurrentTurnsAsync();
}

public sealed class CounterState
{
    public int Value { get; set; }

    public int Activations { get; set; }
}

/// <summary>A counter persisted in state "counter": read on activation, written on deactivation.</summary>
public sealed class CounterGrain : Grain, ICounterGrain
{
    private PersistentState<CounterState>? _state;
    private int _inTurn;
    private int _maxInTurn;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _state = await ReadStateAsync<CounterState>("counter", cancellationToken);
        _state.Value.Activations++;
    }

    public override Task OnDeactivateAsync(CancellationToken cancellationToken) => _state!.WriteAsync(cancellationToken);

    public async Task<int> AddAsync(int amount, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _inTurn);
        _maxInTurn = Math.Max(_maxInTurn, now);
        try
        {
            var before = _state!.Value.Value;
            // Yield inside the turn: if another call interleaved here, the read-modify-write below would lose updates.
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            _state.Value.Value = before + amount;
            return _state.Value.Value;
        }
        finally
        {
            Interlocked.Decrement(ref _inTurn);
        }
    }

    public Task<int> GetAsync() => Task.FromResult(_state!.Value.Value);

    public ValueTask<int> EchoAsync(int value) => ValueTask.FromResult(value);

    public Task FailAsync(string message) => throw new InvalidOperationException(message);

    public Task<int> MaxConcurrentTurnsAsync() => Task.FromResult(_maxInTurn);
}

public interface IGateGrain : IGrain
{
    /// <summary>Waits for the test's gate named by this grain's key, observing cancellation.</summary>
    Task<string> WaitAsync(CancellationToken cancellationToken);

    [Reentrant]
    Task<int> CompletedAsync();
}

/// <summary>A grain whose calls block on a gate the test opens; gates are keyed by grain key so tests do not share them.</summary>
public sealed class GateGrain : Grain, IGateGrain
{
    public static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();

    public static readonly ConcurrentDictionary<string, TaskCompletionSource> Entered = new();

    private int _completed;

    public async Task<string> WaitAsync(CancellationToken cancellationToken)
    {
        Entered.GetOrAdd(Key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        await Gates.GetOrAdd(Key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(cancellationToken);
        Interlocked.Increment(ref _completed);
        return Key;
    }

    public Task<int> CompletedAsync() => Task.FromResult(Volatile.Read(ref _completed));
}

public interface IPingGrain : IGrain
{
    Task<string> WaitForSignalAsync();

    [Reentrant]
    Task SignalAsync(string value);
}

public sealed class PingGrain : Grain, IPingGrain
{
    private readonly TaskCompletionSource<string> _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<string> WaitForSignalAsync() => _signal.Task;

    public Task SignalAsync(string value)
    {
        _signal.TrySetResult(value);
        return Task.CompletedTask;
    }
}

public sealed record LoopStats(long Started, long Completed, long Overruns, int MaxConcurrent);

public interface ILoopGrain : IGrain
{
    Task StartAsync(TimeSpan period);

    [Reentrant]
    Task<LoopStats> StatsAsync();
}

/// <summary>A control-loop-like grain: its timer callback waits on the test's gate (keyed by grain key) for each tick.</summary>
public sealed class LoopGrain : Grain, ILoopGrain
{
    public static readonly ConcurrentDictionary<string, SemaphoreSlim> TickGate = new();

    public static readonly ConcurrentDictionary<string, SemaphoreSlim> TickStarted = new();

    private GrainTimer? _timer;
    private long _started;
    private int _running;
    private int _maxRunning;

    public Task StartAsync(TimeSpan period)
    {
        _timer = RegisterTimer(TickAsync, period, period);
        return Task.CompletedTask;
    }

    public Task<LoopStats> StatsAsync() => Task.FromResult(new LoopStats(Interlocked.Read(ref _started), _timer?.CompletedTicks ?? 0, _timer?.Overruns ?? 0, Volatile.Read(ref _maxRunning)));

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var running = Interlocked.Increment(ref _running);
        _maxRunning = Math.Max(_maxRunning, running);
        Interlocked.Increment(ref _started);
        TickStarted.GetOrAdd(Key, _ => new SemaphoreSlim(0)).Release();
        await TickGate.GetOrAdd(Key, _ => new SemaphoreSlim(0)).WaitAsync(cancellationToken);
        Interlocked.Decrement(ref _running);
    }
}

public interface ITraceGrain : IGrain
{
    /// <summary>Returns (trace id, span id, parent span id) of the span this call ran in, then of the nested call.</summary>
    Task<string[]> CallNestedAsync();

    Task<string[]> WhereAmIAsync();
}

public sealed class TraceGrain : Grain, ITraceGrain
{
    public async Task<string[]> CallNestedAsync()
    {
        var mine = Describe();
        var nested = await GrainFactory.GetGrain<ITraceGrain>(Key + "/nested").WhereAmIAsync();
        return [.. mine, .. nested];
    }

    public Task<string[]> WhereAmIAsync() => Task.FromResult(Describe());

    private static string[] Describe()
    {
        var activity = Activity.Current;
        return [activity?.TraceId.ToString() ?? "none", activity?.SpanId.ToString() ?? "none", activity?.ParentSpanId.ToString() ?? "none", activity?.DisplayName ?? "none"];
    }
}

public sealed record Telemetry(string Cell, double[] Gains);

public interface IRecordGrain : IGrain
{
    /// <summary>Scales the gains in place (bad manners, on purpose) and returns the telemetry.</summary>
    Task<Telemetry> ScaleInPlaceAsync(Telemetry telemetry, double factor, CancellationToken cancellationToken);

    Task<int> CallbackAsync(Func<int> callback);
}

public sealed class RecordGrain : Grain, IRecordGrain
{
    public Task<Telemetry> ScaleInPlaceAsync(Telemetry telemetry, double factor, CancellationToken cancellationToken)
    {
        for (var i = 0; i < telemetry.Gains.Length; i++)
        {
            telemetry.Gains[i] *= factor;
        }

        return Task.FromResult(telemetry);
    }

    public Task<int> CallbackAsync(Func<int> callback) => Task.FromResult(callback());
}

public interface IPhaseGrain : IGrain
{
    Task StartAsync(TimeSpan dueTime, TimeSpan period);

    Task<long[]> TickTimesAsync();

    Task<long> OverrunsAsync();
}

/// <summary>Records the clock at each tick of a phase-locked timer.</summary>
public sealed class PhaseGrain : Grain, IPhaseGrain
{
    private readonly List<long> _ticks = [];
    private GrainTimer? _timer;

    public Task StartAsync(TimeSpan dueTime, TimeSpan period)
    {
        _timer = RegisterTimer(_ =>
        {
            _ticks.Add(TimeProvider.GetTimestamp());
            return Task.CompletedTask;
        }, dueTime, period, keepAlive: true, phaseLocked: true);
        return Task.CompletedTask;
    }

    public Task<long[]> TickTimesAsync() => Task.FromResult(_ticks.ToArray());

    public Task<long> OverrunsAsync() => Task.FromResult(_timer?.Overruns ?? 0);
}
