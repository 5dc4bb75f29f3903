using Controller.Runtime.Grains;

namespace Controller.Runtime.Timers;

/// <summary>
/// A grain timer: each tick queues the callback as a turn of the grain. While a tick's turn is queued or
/// running, later ticks are skipped and counted in <see cref="Overruns"/>, so callbacks never overlap and a
/// slow control loop shows up as overruns instead of a growing backlog. Driven by the runtime's
/// <see cref="TimeProvider"/>.
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

    internal GrainTimer(Activation activation, Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period, bool keepAlive)
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

    internal void Start() => _timer = _activation.Runtime.TimeProvider.CreateTimer(static state => ((GrainTimer)state!).OnTick(), this, _dueTime, _period);

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
