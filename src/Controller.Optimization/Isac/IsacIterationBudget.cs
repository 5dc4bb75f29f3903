namespace Controller.Optimization.Isac;

/// <summary>
/// The adaptive iteration budget of <c>isac-robust</c> and <c>isac-nonrobust</c> when the name fixes none: after each
/// loop the measured cost of the solve and the iterations it was given pick the iterations of the next loop, so that
/// the solve stays within a time budget (a fraction of the region's period). Pure: costs come in as arguments, so the
/// rule is tested with injected costs, not clocks.
/// </summary>
/// <remarks>
/// The rule is a cost model with an asymmetric step, in the spirit of AIMD. The cost of the last loop per iteration,
/// <c>c = cost / I</c>, predicts how many iterations fit the budget: <c>fit = floor(budget / c)</c>. Over budget the
/// next budget drops to <c>fit</c> at once (a multiplicative decrease by <c>budget / cost</c>: one late loop is enough
/// to back off); under budget it rises toward <c>fit</c> by at most a quarter (at least 1) per loop, so one quiet loop
/// between two busy ones does not swing the budget up. The per-iteration cost includes the solve's fixed part (the
/// worst-case WSR check, the cone set-up), which over-estimates c at small I; the fixed point is still
/// <c>cost = budget</c>, since <c>fit = I</c> exactly when the cost equals the budget. The result is clamped to
/// [<see cref="Minimum"/>, <see cref="Cap"/>]: at least one iteration, so the design keeps moving (the warm start carries
/// it across loops), at most the cap, so a quiet machine does not let a region spend its whole period.
/// </remarks>
public sealed class IsacIterationBudget
{
    /// <summary>The fewest iterations a loop gets, whatever it costs.</summary>
    public const int Minimum = 1;

    /// <summary>The most iterations a loop gets when the name does not say (three times the former fixed default of 10).</summary>
    public const int DefaultCap = 30;

    /// <summary>Creates the rule starting at <paramref name="initial"/> iterations, never above <paramref name="cap"/>.</summary>
    public IsacIterationBudget(int initial, int cap = DefaultCap)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cap, Minimum);
        ArgumentOutOfRangeException.ThrowIfLessThan(initial, Minimum);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(initial, cap);
        Cap = cap;
        Iterations = initial;
    }

    /// <summary>The most iterations a loop gets.</summary>
    public int Cap { get; }

    /// <summary>Iterations of the next loop.</summary>
    public int Iterations { get; private set; }

    /// <summary>Loops after which the budget went down (cost over budget).</summary>
    public long Decreases { get; private set; }

    /// <summary>Loops after which the budget went up (cost under budget).</summary>
    public long Increases { get; private set; }

    /// <summary>
    /// A loop that ran <see cref="Iterations"/> iterations cost <paramref name="costMs"/> against a budget of
    /// <paramref name="budgetMs"/>: sets and returns the iterations of the next loop.
    /// </summary>
    public int Observe(double costMs, double budgetMs)
    {
        if (!double.IsFinite(costMs) || costMs < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(costMs), costMs, "A loop's cost must be a finite number of milliseconds >= 0.");
        }

        if (!double.IsFinite(budgetMs) || budgetMs <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(budgetMs), budgetMs, "The time budget must be a finite number of milliseconds > 0.");
        }

        var current = Iterations;
        // A cost too small to time (0 ms) fits any budget: the most the step allows.
        var fit = costMs <= 0 ? (double)Cap : Math.Floor(budgetMs * current / costMs);
        int next;
        if (costMs > budgetMs)
        {
            next = (int)Math.Clamp(fit, Minimum, current);
        }
        else
        {
            var step = Math.Max(1, current / 4);
            next = (int)Math.Min(Math.Max(fit, current), current + step);
        }

        next = Math.Clamp(next, Minimum, Cap);
        if (next < current)
        {
            Decreases++;
        }
        else if (next > current)
        {
            Increases++;
        }

        Iterations = next;
        return next;
    }
}
