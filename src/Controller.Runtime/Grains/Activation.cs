using System.Collections.Concurrent;
using Controller.Runtime.Timers;

namespace Controller.Runtime.Grains;

/// <summary>
/// One live instance of a grain: a bounded mailbox drained by at most one thread-pool work item at a
/// time, so turns never interleave (reentrant methods excepted). Lifecycle: activating (first turn runs
/// OnActivateAsync), active, deactivating (last turn runs OnDeactivateAsync), closed (removed from the
/// catalog; anything still queued is handed to the next activation).
/// </summary>
/// <remarks>
/// The mailbox is a lock-free queue with a counter for its bound and a "scheduled" flag, rather than a
/// Channel: scheduling is an allocation-free <see cref="IThreadPoolWorkItem"/>, a drain runs turns that
/// finish synchronously back to back, and only a turn that really awaits costs a continuation.
/// </remarks>
internal sealed class Activation : IThreadPoolWorkItem, IDisposable
{
    private const int Active = 0;
    private const int Deactivating = 1;
    private const int Closed = 2;

    // Turns run per work item before yielding the thread to other activations (fairness).
    private const int DrainBatch = 64;

    private readonly ConcurrentQueue<Message> _queue = new();
    private readonly GrainInterfaceMap _map;
    private readonly int _capacity;
    private readonly List<GrainTimer> _timers = [];
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _activationGate = new();
    private readonly Lock _spaceGate = new();
    private List<Message>? _earlyReentrant;
    private TaskCompletionSource? _spaceWaiter;
    private int _queued;
    private int _scheduled;
    private int _state;
    private int _started;
    private long _lastActive;
    private volatile bool _closedForWrites;
    private volatile bool _turnInProgress;
    private volatile bool _activated;
    private volatile bool _deactivationRequested;

    public Activation(GrainRuntime runtime, GrainId id, GrainInterfaceMap map)
    {
        Runtime = runtime;
        Id = id;
        IdText = id.ToString();
        _map = map;
        _capacity = runtime.Options.MailboxCapacity;
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
    public int QueueLength => Volatile.Read(ref _queued);

    /// <summary>Queues the activation turn and starts draining; idempotent.</summary>
    public void EnsureStarted()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            EnqueueUnbounded(new ActivateMessage());
        }
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

        if (_closedForWrites)
        {
            return false;
        }

        if (Interlocked.Increment(ref _queued) > _capacity)
        {
            Interlocked.Decrement(ref _queued);
            return false;
        }

        _queue.Enqueue(message);
        if (_closedForWrites)
        {
            // Closed between the check and the enqueue: make sure the message is not stranded.
            HandOnLeftovers(failure: null);
            return true;
        }

        Schedule();
        return true;
    }

    /// <summary>Waits for room in a full mailbox (backpressure); throws <see cref="MailboxClosedException"/> if the activation closes meanwhile.</summary>
    public async Task EnqueueAsync(Message message, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task room;
            lock (_spaceGate)
            {
                _spaceWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                room = _spaceWaiter.Task;
            }

            // The waiter is published before the re-check, so a drain that frees a slot after it sees the waiter.
            Interlocked.MemoryBarrier();
            if (TryEnqueue(message))
            {
                return;
            }

            if (_closedForWrites)
            {
                throw new MailboxClosedException();
            }

            await room.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public GrainTimer RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period, bool keepAlive, bool phaseLocked = false)
    {
        var timer = new GrainTimer(this, callback, dueTime, period, keepAlive, phaseLocked);
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
        => !_turnInProgress && QueueLength == 0 && now - Volatile.Read(ref _lastActive) >= idleTicks && BeginDeactivation();

    /// <summary>Queues the deactivation turn behind whatever is queued; false if already deactivating or closed.</summary>
    public bool BeginDeactivation()
    {
        if (Interlocked.CompareExchange(ref _state, Deactivating, Active) != Active)
        {
            return false;
        }

        // The deactivation turn is not subject to the bound: it must get in even behind a full mailbox.
        EnqueueUnbounded(new DeactivateMessage());
        return true;
    }

    /// <summary>
    /// Deactivates at runtime shutdown. A turn that does not finish within <paramref name="timeout"/> is
    /// abandoned: its token is cancelled, queued calls fail, the activation closes.
    /// </summary>
    public async Task ForceDeactivationAsync(TimeSpan timeout)
    {
        BeginDeactivation();
        try
        {
            await Completion.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
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

    public void Dispose() => _lifetime.Dispose();

    /// <summary>Drains the mailbox on a thread-pool thread; at most one drain runs at a time.</summary>
    void IThreadPoolWorkItem.Execute() => Drain();

    private void Drain()
    {
        while (true)
        {
            for (var turn = 0; turn < DrainBatch && _queue.TryDequeue(out var message); turn++)
            {
                Interlocked.Decrement(ref _queued);
                SignalRoom();
                _turnInProgress = true;
                var pending = message.ExecuteAsync(this);
                if (!pending.IsCompletedSuccessfully)
                {
                    // The turn awaits: keep the drain claimed and resume it when the turn ends.
                    _ = ResumeAfterAsync(pending, message);
                    return;
                }

                if (!AfterTurn(message))
                {
                    return;
                }
            }

            if (!_queue.IsEmpty)
            {
                // A full batch ran: yield the thread, stay scheduled.
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                return;
            }

            Volatile.Write(ref _scheduled, 0);
            // A message enqueued after the last TryDequeue but before the flag was cleared must not be stranded.
            if (_queue.IsEmpty || Interlocked.CompareExchange(ref _scheduled, 1, 0) != 0)
            {
                return;
            }
        }
    }

    private async Task ResumeAfterAsync(ValueTask pending, Message message)
    {
        await pending.ConfigureAwait(false);
        if (AfterTurn(message))
        {
            Drain();
        }
    }

    /// <summary>Bookkeeping after a turn; false when the activation closed and draining must stop.</summary>
    private bool AfterTurn(Message message)
    {
        _turnInProgress = false;
        if (message.KeepsAlive)
        {
            Volatile.Write(ref _lastActive, Runtime.TimeProvider.GetTimestamp());
        }

        if (IsClosed)
        {
            return false;
        }

        if (_deactivationRequested && _queue.IsEmpty)
        {
            _deactivationRequested = false;
            BeginDeactivation();
        }

        return true;
    }

    private void Schedule()
    {
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    private void EnqueueUnbounded(Message message)
    {
        Interlocked.Increment(ref _queued);
        _queue.Enqueue(message);
        Schedule();
    }

    private void SignalRoom()
    {
        if (Volatile.Read(ref _spaceWaiter) is null)
        {
            return;
        }

        TaskCompletionSource? waiter;
        lock (_spaceGate)
        {
            waiter = _spaceWaiter;
            _spaceWaiter = null;
        }

        waiter?.TrySetResult();
    }

    private async Task RunInterleavedAsync(Message message) => await message.ExecuteAsync(this).ConfigureAwait(false);

    private void Close(Exception? failure, bool started)
    {
        Volatile.Write(ref _state, Closed);
        _closedForWrites = true;
        StopTimers();
        _lifetime.Cancel();
        Runtime.Remove(this);
        if (started)
        {
            Runtime.Instruments.ActivationEnded(GrainType);
        }

        HandOnLeftovers(failure);
        // Senders waiting for room retry, find the activation closed and move on to its successor.
        lock (_spaceGate)
        {
            _spaceWaiter?.TrySetResult();
            _spaceWaiter = null;
        }

        _closed.TrySetResult();
    }

    /// <summary>Calls queued behind the last turn: fail them with the activation or shutdown error, or hand them to the next activation.</summary>
    private void HandOnLeftovers(Exception? failure)
    {
        while (_queue.TryDequeue(out var leftover))
        {
            Interlocked.Decrement(ref _queued);
            if (failure is not null)
            {
                leftover.Fail(failure);
            }
            else if (leftover is not (DeactivateMessage or ActivateMessage or TimerTickMessage))
            {
                Runtime.Resend(Id, leftover);
            }
        }
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

/// <summary>The activation closed while a sender waited for room; the sender retries on the grain's next activation.</summary>
internal sealed class MailboxClosedException : Exception
{
    public MailboxClosedException()
        : base("The activation closed.")
    {
    }

    public MailboxClosedException(string message)
        : base(message)
    {
    }

    public MailboxClosedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
