using Controller.Runtime.Grains;

namespace Controller.Runtime.Timers;

/// <summary>
/// A grain timer: each tick queues the callback as a turn of the grain. While a tick's turn is queued or
/// running, later ticks are skipped and counted in <see cref="Overruns"/>, so callbacks never overlap and a
/// slow control loop shows up as overruns instead of a growing backlog. Driven by the runtime's
/// <see cref="TimeProvider"/>. A phase-locked timer ticks at <c>start + due + k period</c> for whole k: a
/// late tick (a GC pause, a busy pool) does not shift the ticks after it, so timers started with spread-out
/// phases stay spread out; ticks missed entirely count as overruns.
/// </summary>
public sealed class GrainTimer : IDisposable
{
    private readonly Activation _activation;
    private readonly Func<CancellationToken, Task> _callback;
    private readonly TimeSpan _dueTime;
    private readonly TimeSpan _period;
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _timer;
    private int _pending;
    private long _overruns;
    private long _completed;
    private volatile bool _disposed;
    private readonly bool _phaseLocked;
    private readonly Lock _phaseGate = new();
    private long _origin;
    private long _nextTick;

    internal GrainTimer(Activation activation, Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period, bool keepAlive, bool phaseLocked = false)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (period <= TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "A timer period must be positive (or infinite for a one-shot timer).");
        }

        _activation = activation;
        _callback = callback;
        _dueTime = dueTime;
        _period = period;
        KeepAlive = keepAlive;
        _phaseLocked = phaseLocked && period != Timeout.InfiniteTimeSpan;
    }

    /// <summary>Ticks skipped because the previous callback had not finished.</summary>
    public long Overruns => Interlocked.Read(ref _overruns);

    /// <summary>Callbacks that ran to completion (or failed).</summary>
    public long CompletedTicks => Interlocked.Read(ref _completed);

    /// <summary>Whether ticks count as activity that keeps the grain from idle deactivation.</summary>
    public bool KeepAlive { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _timer?.Dispose();
        _stopping.Cancel();
        _stopping.Dispose();
    }

    internal void Start()
    {
        var time = _activation.Runtime.TimeProvider;
        if (!_phaseLocked)
        {
            _timer = time.CreateTimer(static state => ((GrainTimer)state!).OnTick(), this, _dueTime, _period);
            return;
        }

        lock (_phaseGate)
        {
            _origin = time.GetTimestamp();
            _timer = time.CreateTimer(static state => ((GrainTimer)state!).OnPhaseTick(), this, _dueTime, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>A phase-locked tick: re-arms for the next phase point after now, counting the ones already passed.</summary>
    private void OnPhaseTick()
    {
        if (_disposed)
        {
            return;
        }

        var time = _activation.Runtime.TimeProvider;
        lock (_phaseGate)
        {
            // Tick k is due at origin + due + k period; this callback answers tick _nextTick (it may come a little
            // early by the timer's resolution, or late). Ticks whose due time passed while this one waited are overruns.
            var sinceFirst = time.GetElapsedTime(_origin) - _dueTime;
            var reached = Math.Max(_nextTick, (long)Math.Floor(sinceFirst / _period));
            for (var missed = _nextTick; missed < reached; missed++)
            {
                CountOverrun();
            }

            _nextTick = reached + 1;
            var wait = (_dueTime + (_period * _nextTick)) - time.GetElapsedTime(_origin);
            try
            {
                _timer?.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }

        OnTick();
    }

    internal async ValueTask RunAsync()
    {
        try
        {
            if (!_disposed)
            {
                await _callback(_stopping.Token).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (!_disposed)
        {
            // A failing tick must not stop the control loop: log it and let the next tick try again.
            _activation.Runtime.LogTimerFailed(exception, _activation.IdText);
        }
        catch (OperationCanceledException)
        {
            // Stopped during deactivation.
        }
        finally
        {
            Interlocked.Increment(ref _completed);
            Volatile.Write(ref _pending, 0);
        }
    }

    private void OnTick()
    {
        if (_disposed)
        {
            return;
        }

        if (Interlocked.Exchange(ref _pending, 1) == 1)
        {
            CountOverrun();
            return;
        }

        if (!_activation.TryEnqueue(new TimerTickMessage(this)))
        {
            // A full mailbox skips the tick like a late one; a closed activation just drops it.
            Volatile.Write(ref _pending, 0);
            if (!_activation.IsClosed)
            {
                CountOverrun();
            }
        }
    }

    private void CountOverrun()
    {
        Interlocked.Increment(ref _overruns);
        _activation.Runtime.Instruments.TimerOverrun(_activation.GrainType);
    }
}

/// <summary>A timer tick queued as a turn.</summary>
internal sealed class TimerTickMessage(GrainTimer timer) : Message
{
    public override bool KeepsAlive => timer.KeepAlive;

    public override ValueTask ExecuteAsync(Activation activation) => timer.RunAsync();

    public override void Fail(Exception exception)
    {
    }
}
