namespace Controller.Runtime.Tests.Timing;

/// <summary>
/// The tests' one fake clock: time moves only when a test calls <see cref="Advance"/>, and due timer
/// callbacks run synchronously on that call, in due-time order, so a test knows exactly which ticks fired.
/// </summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private long _ticks = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves time forward by <paramref name="delta"/>, firing every timer that falls due on the way.</summary>
    public void Advance(TimeSpan delta)
    {
        var target = Interlocked.Read(ref _ticks) + delta.Ticks;
        while (true)
        {
            ManualTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.DueTicks <= target).MinBy(t => t.DueTicks);
                if (next is null)
                {
                    Interlocked.Exchange(ref _ticks, target);
                    return;
                }

                Interlocked.Exchange(ref _ticks, Math.Max(next.DueTicks, Interlocked.Read(ref _ticks)));
                next.Reschedule();
            }

            next.Fire();
        }
    }

    /// <summary>
    /// Moves time forward by <paramref name="delta"/> in one jump and only then fires what fell due, each timer
    /// at most once and late (a process that was paused, or a busy thread pool).
    /// </summary>
    public void Jump(TimeSpan delta)
    {
        var target = Interlocked.Read(ref _ticks) + delta.Ticks;
        Interlocked.Exchange(ref _ticks, target);
        List<ManualTimer> due;
        lock (_gate)
        {
            due = [.. _timers.Where(t => t.DueTicks <= target).OrderBy(t => t.DueTicks)];
            foreach (var timer in due)
            {
                timer.Reschedule();
                while (timer.IsPeriodic && timer.DueTicks <= target)
                {
                    timer.Reschedule();
                }
            }
        }

        foreach (var timer in due)
        {
            timer.Fire();
        }
    }

    private void Schedule(ManualTimer timer, bool active)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
            if (active)
            {
                _timers.Add(timer);
            }
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private long _periodTicks;

        public long DueTicks { get; private set; }

        public bool IsPeriodic => _periodTicks > 0;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _periodTicks = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
            var active = dueTime != Timeout.InfiniteTimeSpan;
            DueTicks = owner.GetTimestamp() + (active ? dueTime.Ticks : 0);
            owner.Schedule(this, active);
            return true;
        }

        // Called under the owner's lock: a periodic timer moves to its next due time, a one-shot one goes away.
        public void Reschedule()
        {
            if (_periodTicks > 0)
            {
                DueTicks += _periodTicks;
            }
            else
            {
                owner._timers.Remove(this);
            }
        }

        public void Fire() => callback(state);

        public void Dispose() => owner.Schedule(this, active: false);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
