namespace Controller.Grains;

/// <summary>
/// The phase-locked schedule of a region's loop: ticks at <c>start + k * period</c> for k = 0, 1, 2, ..., whatever
/// the timer's lateness or a loop's length. Orleans re-arms a grain timer only after its callback returns, so a
/// plain periodic timer drifts by every loop's duration and every late tick; the region instead arms a one-shot
/// timer for the next boundary after each loop (<see cref="NextDue"/>). Boundaries that passed while a loop ran,
/// or while the timer was late by more than a period, are skipped and counted as overruns. Pure: time comes in
/// as arguments, so it is tested without clocks.
/// </summary>
public sealed class LoopSchedule
{
    private readonly DateTimeOffset _start;
    private readonly long _periodTicks;
    private long _next;

    /// <summary>A schedule whose first tick is <paramref name="offset"/> after <paramref name="now"/>.</summary>
    public LoopSchedule(DateTimeOffset now, TimeSpan offset, TimeSpan period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(offset, TimeSpan.Zero);
        _start = now + offset;
        _periodTicks = period.Ticks;
        Period = period;
    }

    /// <summary>The loop period.</summary>
    public TimeSpan Period { get; }

    /// <summary>Boundaries skipped so far.</summary>
    public long Overruns { get; private set; }

    /// <summary>The boundary the last tick ran (<see cref="OnTick"/>), or null before the first.</summary>
    public DateTimeOffset? LastBoundary { get; private set; }

    /// <summary>Index of the boundary the next tick belongs to.</summary>
    public long NextTick => _next;

    /// <summary>Time from <paramref name="now"/> to the first boundary.</summary>
    public TimeSpan FirstDue(DateTimeOffset now) => Due(0, now);

    /// <summary>
    /// A tick fired at <paramref name="now"/>: it runs boundary <see cref="NextTick"/>, or a later one when the timer
    /// was late by whole periods (those in between are overruns). Returns the boundaries skipped.
    /// </summary>
    public long OnTick(DateTimeOffset now)
    {
        var current = Math.Max(_next, Index(now));
        var skipped = current - _next;
        Overruns += skipped;
        _next = current + 1;
        LastBoundary = _start + TimeSpan.FromTicks(current * _periodTicks);
        return skipped;
    }

    /// <summary>
    /// After a loop ended at <paramref name="now"/>: the wait until the next boundary not yet passed, and how many
    /// passed during the loop (overruns, skipped).
    /// </summary>
    public (TimeSpan Due, long Skipped) NextDue(DateTimeOffset now)
    {
        // Boundaries strictly before now have passed; one exactly at now is still due (at once).
        var passed = now <= _start ? 0 : ((now - _start).Ticks + _periodTicks - 1) / _periodTicks;
        var skipped = Math.Max(0, passed - _next);
        if (skipped > 0)
        {
            Overruns += skipped;
            _next = passed;
        }

        return (Due(_next, now), skipped);
    }

    private long Index(DateTimeOffset now) => now < _start ? 0 : (now - _start).Ticks / _periodTicks;

    private TimeSpan Due(long tick, DateTimeOffset now)
    {
        var at = _start + TimeSpan.FromTicks(tick * _periodTicks);
        return at > now ? at - now : TimeSpan.Zero;
    }
}
