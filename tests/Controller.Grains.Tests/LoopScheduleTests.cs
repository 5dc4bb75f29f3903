namespace Controller.Grains.Tests;

/// <summary>The phase lock of a region's loop, with explicit instants instead of clocks.</summary>
public sealed class LoopScheduleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    private static DateTimeOffset At(double milliseconds) => T0 + TimeSpan.FromMilliseconds(milliseconds);

    [Fact]
    public void First_tick_comes_after_the_offset()
    {
        var schedule = new LoopSchedule(T0, TimeSpan.FromMilliseconds(25), Period);

        Assert.Equal(TimeSpan.FromMilliseconds(25), schedule.FirstDue(T0));
    }

    [Fact]
    public void A_late_tick_does_not_shift_the_next_ones()
    {
        var schedule = new LoopSchedule(T0, TimeSpan.FromMilliseconds(25), Period);

        // Boundary 0 is at 25 ms; the timer fires 30 ms late and the loop takes 10 ms.
        Assert.Null(schedule.LastBoundary);
        Assert.Equal(0, schedule.OnTick(At(55)));
        Assert.Equal(At(25), schedule.LastBoundary);
        var (due, skipped) = schedule.NextDue(At(65));

        // Boundary 1 stays at 125 ms, not 55 + 100.
        Assert.Equal(TimeSpan.FromMilliseconds(60), due);
        Assert.Equal(0, skipped);
        Assert.Equal(0, schedule.Overruns);
    }

    [Fact]
    public void A_loop_longer_than_a_period_skips_and_counts_the_boundaries_it_overran()
    {
        var schedule = new LoopSchedule(T0, TimeSpan.Zero, Period);

        schedule.OnTick(At(0));
        var (due, skipped) = schedule.NextDue(At(250));

        // Boundaries 100 and 200 passed during the loop; the next loop starts at 300.
        Assert.Equal(2, skipped);
        Assert.Equal(TimeSpan.FromMilliseconds(50), due);
        Assert.Equal(3, schedule.NextTick);
        Assert.Equal(2, schedule.Overruns);
    }

    [Fact]
    public void A_timer_late_by_whole_periods_runs_the_current_boundary_and_counts_the_rest()
    {
        var schedule = new LoopSchedule(T0, TimeSpan.Zero, Period);
        schedule.OnTick(At(0));
        schedule.NextDue(At(5));

        // Due at 100; fired at 320 (a long pause): boundaries 100 and 200 are lost, this tick is boundary 300's.
        Assert.Equal(2, schedule.OnTick(At(320)));
        Assert.Equal(4, schedule.NextTick);
        // The loop's response time counts from that boundary (the adaptive ISAC budget reads it), not from the first.
        Assert.Equal(At(300), schedule.LastBoundary);
        Assert.Equal(TimeSpan.FromMilliseconds(70), schedule.NextDue(At(330)).Due);
    }

    [Fact]
    public void A_boundary_reached_exactly_as_the_loop_ends_is_still_due_at_once()
    {
        var schedule = new LoopSchedule(T0, TimeSpan.Zero, Period);
        schedule.OnTick(At(0));

        var (due, skipped) = schedule.NextDue(At(100));

        Assert.Equal(TimeSpan.Zero, due);
        Assert.Equal(0, skipped);
    }

    [Fact]
    public void An_early_tick_belongs_to_the_boundary_it_was_armed_for()
    {
        var schedule = new LoopSchedule(T0, TimeSpan.Zero, Period);
        schedule.OnTick(At(0));
        schedule.NextDue(At(10));

        // Armed for 100, fired at 99 (timer granularity): that is boundary 1, nothing skipped.
        Assert.Equal(0, schedule.OnTick(At(99)));
        Assert.Equal(2, schedule.NextTick);
    }
}
