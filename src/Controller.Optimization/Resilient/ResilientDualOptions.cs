namespace Controller.Optimization.Resilient;

/// <summary>Which update rule <see cref="ResilientUserDuals"/> applies.</summary>
public enum ResilientDualForm
{
    /// <summary>The four primal-dual steps of eqs. 19-22 (dual signs corrected, see <see cref="ResilientUserDuals.Update"/>).</summary>
    Full,

    /// <summary>
    /// The authors' code: <c>x := f</c> (the rate average itself) and <c>lambda = 1 + mu</c>, the stationary
    /// point of the x step; only z and mu evolve. Their training reward is then <c>(1 + mu)^T f</c>.
    /// </summary>
    Simplified,
}

/// <summary>Step sizes and slack cost of paper 003's per-user primal-dual updates; <see cref="Validate"/> checks ranges.</summary>
public sealed record ResilientDualOptions
{
    /// <summary>alpha, the weight of the slack cost <c>(alpha / 2) ||z||^2</c> (paper: 1e-2).</summary>
    public double SlackCost { get; init; } = 1e-2;

    /// <summary>eta_x, the step of the ergodic rate variable x (eq. 19; paper: 1, halved every 50 epochs).</summary>
    public double RateStep { get; init; } = 1;

    /// <summary>eta_z, the slack step (eq. 20).</summary>
    public double SlackStep { get; init; } = 1;

    /// <summary>eta_lambda, the step of the rate-constraint dual (eq. 21).</summary>
    public double LambdaStep { get; init; } = 1;

    /// <summary>eta_mu, the step of the minimum-rate dual (eq. 22).</summary>
    public double MuStep { get; init; } = 1;

    /// <summary>Full eqs. 19-22 or the authors' simplification.</summary>
    public ResilientDualForm Form { get; init; } = ResilientDualForm.Full;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (!(SlackCost >= 0) || double.IsInfinity(SlackCost))
        {
            throw new ArgumentOutOfRangeException(nameof(SlackCost), SlackCost, "The slack cost alpha must be non-negative and finite.");
        }

        RequirePositive(RateStep, nameof(RateStep));
        RequirePositive(SlackStep, nameof(SlackStep));
        RequirePositive(LambdaStep, nameof(LambdaStep));
        RequirePositive(MuStep, nameof(MuStep));
        if (!Enum.IsDefined(Form))
        {
            throw new ArgumentOutOfRangeException(nameof(Form), Form, "Unknown update form.");
        }
    }

    private static void RequirePositive(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and finite.");
        }
    }
}
