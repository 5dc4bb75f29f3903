using System.Threading.Channels;
using Controller.Runtime.Timers;

namespace Controller.Runtime.Grains;

/// <summary>
/// One live instance of a grain: a bounded mailbox drained by a single loop, so turns never interleave
/// (reentrant methods excepted). Lifecycle: activating (first turn runs OnActivateAsync), active,
/// deactivating (last turn runs OnDeactivateAsync), closed (removed from the catalog; anything still
/// queued is handed to the next activation).
/// </summary>
internal sealed class Activation : IDisposable
{
    private const int Active = 0;
    private const int Deactivating = 1;
    private const int Closed = 2;

    private readonly Channel<Message> _mailbox;
    private readonly GrainInterfaceMap _map;
    private readonly List<GrainTimer> _timers = [];
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _activationGate = new();
    private List<Message>? _earlyReentrant;
    private int _state;
    private int _started;
    private long _lastActive;
    private volatile bool _turnInProgress;
    private volatile bool _activated;
    private volatile bool _deactivationRequested;

    public Activation(GrainRuntime runtime, GrainId id, GrainInterfaceMap map)
    {
        Runtime = runtime;
        Id = id;
        IdText = id.ToString();
        _map = map;
        _mailbox = Channel.CreateBounded<Message>(new BoundedChannelOptions(runtime.Options.MailboxCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _lastActive = runtime.TimeProvider.GetTimestamp();
    }

    public GrainRuntime Runtime { get; }

    public GrainId Id { get; }

    /// <summary>"type/key", cached for span tags and logs.</summary>
    public string IdText { get; }

    public Grain? Instance { get; private set; }

    public string GrainType => _map.TypeName;

    /// <summary>Completes when the activation is closed and removed from the catalog.</summary>
    public Task Completion => _closed.Task;

    public bool IsClosed => Volatile.Read(ref _state) == Closed;

    /// <summary>Messages waiting in the mailbox.</summary>
    public int QueueLength => _mailbox.Reader.Count;

    /// <summary>Starts the mailbox loop with the activation turn first; idempotent.</summary>
    public void EnsureStarted()
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            return;
        }

        _mailbox.Writer.TryWrite(new ActivateMessage());
        // Unsafe: the loop must not inherit the creating caller's execution context (its Activity, for one).
        ThreadPool.UnsafeQueueUserWorkItem(static self => _ = self.RunAsync(), this, preferLocal: false);
    }

    /// <summary>Queues <paramref name="message"/> (or runs it now if it may interleave); false when the mailbox is full or closed.</summary>
    public bool TryEnqueue(Message message)
    {
        if (message.Interleave && Volatile.Read(ref _state) == Active)
        {
            if (!_activated)
            {
                lock (_activationGate)
                {
                    if (!_activated)
                    {
                        // Held aside, not queued: behind a blocking turn it could wait forever.
                        (_earlyReentrant ??= []).Add(message);
                        return true;
                    }
                }
            }

            _ = RunInterleavedAsync(message);
            return true;
        }

        return _mailbox.Writer.TryWrite(message);
    }

    public void Dispose() => _lifetime.Dispose();

    /// <summary>Waits for room in a full mailbox (backpressure); throws <see cref="ChannelClosedException"/> if the activation closes meanwhile.</summary>
    public ValueTask EnqueueAsync(Message message, CancellationToken cancellationToken) => _mailbox.Writer.WriteAsync(message, cancellationToken);

    public GrainTimer RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period, bool keepAlive)
    {
        var timer = new GrainTimer(this, callback, dueTime, period, keepAlive);
        lock (_timers)
        {
            _timers.Add(timer);
        }

        timer.Start();
        return timer;
    }

    public void RequestDeactivation() => _deactivationRequested = true;

    /// <summary>Starts deactivation if the activation has been idle for <paramref name="idleTicks"/> timestamp ticks.</summary>
    public bool TryDeactivateIfIdle(long now, long idleTicks)
        => !_turnInProgress && _mailbox.Reader.Count == 0 && now - Volatile.Read(ref _lastActive) >= idleTicks && BeginDeactivation();

    /// <summary>Queues the deactivation turn behind whatever is queued; false if already deactivating or closed.</summary>
    public bool BeginDeactivation()
    {
        if (Interlocked.CompareExchange(ref _state, Deactivating, Active) != Active)
        {
            return false;
        }

        if (!_mailbox.Writer.TryWrite(new DeactivateMessage()))
        {
            // The mailbox filled up meanwhile: it is not idle after all.
            Volatile.Write(ref _state, Active);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Deactivates even with a full mailbox (runtime shutdown). A turn that does not finish within
    /// <paramref name="timeout"/> is abandoned: its token is cancelled, queued calls fail, the activation closes.
    /// </summary>
    public async Task ForceDeactivationAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            if (Interlocked.CompareExchange(ref _state, Deactivating, Active) == Active)
            {
                await _mailbox.Writer.WriteAsync(new DeactivateMessage(), deadline.Token).ConfigureAwait(false);
            }

            await Completion.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            // Closed by a failed activation in the meantime: nothing left to deactivate.
            await Completion.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            Runtime.LogDeactivationAbandoned(IdText, timeout);
            if (!IsClosed)
            {
                Close(new ObjectDisposedException(nameof(GrainRuntime), $"The grain runtime stopped before grain {Id} finished its turn."), started: _activated);
            }
        }
    }

    public async ValueTask ActivateAsync()
    {
        try
        {
            var grain = _map.Factory(Runtime.Services);
            grain.Attach(this);
            Instance = grain;
            await grain.OnActivateAsync(_lifetime.Token).ConfigureAwait(false);
            Runtime.Instruments.ActivationStarted(GrainType);
            List<Message>? early;
            lock (_activationGate)
            {
                _activated = true;
                early = _earlyReentrant;
                _earlyReentrant = null;
            }

            foreach (var message in early ?? [])
            {
                _ = RunInterleavedAsync(message);
            }
        }
        catch (Exception exception)
        {
            Runtime.LogActivationFailed(exception, IdText);
            var failure = new GrainActivationException(Id, exception);
            lock (_activationGate)
            {
                foreach (var message in _earlyReentrant ?? [])
                {
                    message.Fail(failure);
                }

                _earlyReentrant = null;
            }

            Close(failure, started: false);
        }
    }

    public async ValueTask DeactivateAsync()
    {
        StopTimers();
        try
        {
            await Instance!.OnDeactivateAsync(_lifetime.Token).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // The activation goes away regardless; the grain's own code decides what to persist.
            Runtime.LogDeactivationFailed(exception, IdText);
        }

        Close(failure: null, started: true);
    }

    private async Task RunInterleavedAsync(Message message) => await message.ExecuteAsync(this).ConfigureAwait(false);

    private async Task RunAsync()
    {
        var reader = _mailbox.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var message))
            {
                _turnInProgress = true;
                await message.ExecuteAsync(this).ConfigureAwait(false);
                _turnInProgress = false;
                if (message.KeepsAlive)
                {
                    Volatile.Write(ref _lastActive, Runtime.TimeProvider.GetTimestamp());
                }

                if (IsClosed)
                {
                    return;
                }

                if (_deactivationRequested && reader.Count == 0)
                {
                    _deactivationRequested = false;
                    BeginDeactivation();
                }
            }
        }
    }

    private void Close(Exception? failure, bool started)
    {
        Volatile.Write(ref _state, Closed);
        StopTimers();
        _mailbox.Writer.TryComplete();
        _lifetime.Cancel();
        Runtime.Remove(this);
        if (started)
        {
            Runtime.Instruments.ActivationEnded(GrainType);
        }

        // Calls queued behind the last turn: fail them with the activation or shutdown error, or hand them to the next activation.
        while (_mailbox.Reader.TryRead(out var leftover))
        {
            if (failure is not null)
            {
                leftover.Fail(failure);
            }
            else if (leftover is not (DeactivateMessage or ActivateMessage or TimerTickMessage))
            {
                Runtime.Resend(Id, leftover);
            }
        }

        _closed.TrySetResult();
        Dispose();
    }

    private void StopTimers()
    {
        lock (_timers)
        {
            foreach (var timer in _timers)
            {
                timer.Dispose();
            }

            _timers.Clear();
        }
    }
}
