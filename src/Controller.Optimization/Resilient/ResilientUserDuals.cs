namespace Controller.Optimization.Resilient;

/// <summary>
/// One user's primal-dual variables of paper 003's resilient formulation (Lagrangian eq. 6 with
/// <c>U(x) = sum x</c>): lambda for <c>x &lt;= E f</c>, mu for <c>x &gt;= f_min - z</c>, the slack z and the
/// ergodic rate variable x, all starting at 0 (Algorithm 1, line 3). Training keeps one per user and
/// configuration; at execution the controller keeps one per live user, fed with its rate average, so that
/// operators see who is constrained (mu &gt; 0) and how much slack each user needed.
/// </summary>
public sealed class ResilientUserDuals
{
    /// <summary>Creates a user's duals at 0 with its minimum rate f_min (bps/Hz; 0 = no requirement).</summary>
    public ResilientUserDuals(double minimumRate, ResilientDualOptions? options = null)
    {
        if (!(minimumRate >= 0) || double.IsInfinity(minimumRate))
        {
            throw new ArgumentOutOfRangeException(nameof(minimumRate), minimumRate, "The minimum rate f_min must be non-negative and finite.");
        }

        Options = options ?? new ResilientDualOptions();
        Options.Validate();
        MinimumRate = minimumRate;
        if (Options.Form == ResilientDualForm.Simplified)
        {
            Lambda = 1;
        }
    }

    /// <summary>Step sizes, slack cost and form.</summary>
    public ResilientDualOptions Options { get; }

    /// <summary>f_min; a live user's changes with its demand (<see cref="ChangeMinimumRate"/>).</summary>
    public double MinimumRate { get; private set; }

    /// <summary>The variables as a value, for storage.</summary>
    public ResilientDualState State => new(Lambda, Mu, Slack, Rate, Updates);

    /// <summary>A user's duals resumed from stored <paramref name="state"/>; throws for negative or non-finite values.</summary>
    public static ResilientUserDuals Restore(double minimumRate, ResilientDualState state, ResilientDualOptions? options = null)
    {
        var duals = new ResilientUserDuals(minimumRate, options);
        foreach (var (name, value) in new[] { ("lambda", state.Lambda), ("mu", state.Mu), ("slack", state.Slack), ("rate", state.Rate) })
        {
            if (!(value >= 0) || double.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(nameof(state), value, $"A stored {name} must be finite and not negative.");
            }
        }

        ArgumentOutOfRangeException.ThrowIfNegative(state.Updates);
        duals.Lambda = state.Lambda;
        duals.Mu = state.Mu;
        duals.Slack = state.Slack;
        duals.Rate = state.Rate;
        duals.Updates = state.Updates;
        return duals;
    }

    /// <summary>Sets a new f_min (the user's demand changed); the duals carry on from where they are.</summary>
    public void ChangeMinimumRate(double minimumRate)
    {
        if (!(minimumRate >= 0) || double.IsInfinity(minimumRate))
        {
            throw new ArgumentOutOfRangeException(nameof(minimumRate), minimumRate, "The minimum rate f_min must be non-negative and finite.");
        }

        MinimumRate = minimumRate;
    }

    /// <summary>lambda ≥ 0, the price of the rate constraint <c>x &lt;= E f</c> (the user's weight in the reward).</summary>
    public double Lambda { get; private set; }

    /// <summary>mu ≥ 0, the price of the minimum-rate constraint; positive while the user is held back by it.</summary>
    public double Mu { get; private set; }

    /// <summary>z ≥ 0, the slack the user needed: its constraint is relaxed to <c>x &gt;= f_min - z</c>.</summary>
    public double Slack { get; private set; }

    /// <summary>x ≥ 0, the ergodic rate variable (equal to the last rate average in the simplified form).</summary>
    public double Rate { get; private set; }

    /// <summary>Updates applied so far.</summary>
    public int Updates { get; private set; }

    /// <summary>
    /// One primal-dual step from the user's rate average <c>Ehat f</c>, in the order written, each step using
    /// the values just updated (x, then z, then lambda with the new x, then mu with the new z and x):
    /// <c>x = max(0, x + eta_x (1 + mu - lambda))</c> (eq. 19, U = sum x so grad U = 1),
    /// <c>z = max(0, z + eta_z (mu - alpha z))</c> (eq. 20),
    /// <c>lambda = max(0, lambda + eta_l (x - f))</c> (eq. 21), <c>mu = max(0, mu + eta_m (f_min - z - x))</c> (eq. 22).
    /// The paper prints eqs. 21-22 with a minus, which would raise a dual while its constraint holds and lower it
    /// while violated; the plus is the descent step on Lagrangian (6), the one under which a user below f_min
    /// accumulates mu and slack. The paper also updates all four from the previous iterate at once; on this
    /// bilinear Lagrangian that spirals outward for any step (eigenvalues 1 ± i eta), the sequential order stays
    /// bounded. x is kept non-negative because it stands for a rate. Simplified form: <c>x := f</c>, then z and
    /// mu as above and <c>lambda = 1 + mu</c>.
    /// </summary>
    public void Update(double rateAverage)
    {
        if (!(rateAverage >= 0) || double.IsInfinity(rateAverage))
        {
            throw new ArgumentOutOfRangeException(nameof(rateAverage), rateAverage, "A rate average must be a non-negative, finite number.");
        }

        var options = Options;
        if (options.Form == ResilientDualForm.Simplified)
        {
            Rate = rateAverage;
        }
        else
        {
            Rate = Math.Max(0, Rate + (options.RateStep * (1 + Mu - Lambda))); // eq. 19
        }

        Slack = Math.Max(0, Slack + (options.SlackStep * (Mu - (options.SlackCost * Slack)))); // eq. 20
        if (options.Form == ResilientDualForm.Full)
        {
            Lambda = Math.Max(0, Lambda + (options.LambdaStep * (Rate - rateAverage))); // eq. 21, sign corrected
        }

        Mu = Math.Max(0, Mu + (options.MuStep * (MinimumRate - Slack - Rate))); // eq. 22, sign corrected
        if (options.Form == ResilientDualForm.Simplified)
        {
            Lambda = 1 + Mu;
        }

        Updates++;
    }
}

/// <summary>One user's resilient primal-dual variables as a value (what a user grain stores).</summary>
/// <param name="Lambda">lambda.</param>
/// <param name="Mu">mu.</param>
/// <param name="Slack">z.</param>
/// <param name="Rate">x.</param>
/// <param name="Updates">Updates applied so far.</param>
public readonly record struct ResilientDualState(double Lambda, double Mu, double Slack, double Rate, int Updates);
