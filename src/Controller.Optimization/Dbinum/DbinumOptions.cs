namespace Controller.Optimization.Dbinum;

/// <summary>
/// Step sizes, the regularizer and the bounds of A for DBiNUM (paper 000 Algorithm 1). The defaults are
/// the ones the single-link reproduction uses (P = 100, tau = 0.01); <see cref="Validate"/> checks ranges.
/// </summary>
public sealed record DbinumOptions
{
    /// <summary>
    /// Scale s of the lower level's Jacobi-scaled step <c>x_r += s G_r / (|U_r''| + eps + sum h_l)</c>
    /// (the paper's lambda). Below 2 / (largest number of users on one link) the step is stable whatever the
    /// barrier curvature, which a fixed plain step is not: h_l grows without bound as a link fills.
    /// </summary>
    public double PrimalStepScale { get; init; } = 0.5;

    /// <summary>T, lower-level steps per round; warm starts make about 100 enough (the paper uses 10^3-10^5 cold).</summary>
    public int PrimalStepsPerRound { get; init; } = 100;

    /// <summary>
    /// eta of the auxiliary step toward <c>H^-1 g</c> (eq. 6), applied Jacobi-scaled like the primal step,
    /// <c>v_r += eta (...) / (|U_r''| + eps + sum h_l)</c>: same fixed point, stable below 2 / (users per link).
    /// </summary>
    public double AuxiliaryStep { get; init; } = 0.3;

    /// <summary>beta, the outer step on alpha (eq. 7).</summary>
    public double AlphaStep { get; init; } = 3e-4;

    /// <summary>eps of the strongly concave lower level <c>U_r - eps x^2 / 2</c> (eq. 3).</summary>
    public double Regularization { get; init; } = 1e-6;

    /// <summary>Lower end of A_r (the paper's single-link runs: alpha in (0.001, 100]).</summary>
    public double AlphaMin { get; init; } = 1e-3;

    /// <summary>Upper end of A_r.</summary>
    public double AlphaMax { get; init; } = 100;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        RequirePositive(PrimalStepScale, nameof(PrimalStepScale));
        RequirePositive(AuxiliaryStep, nameof(AuxiliaryStep));
        RequirePositive(AlphaStep, nameof(AlphaStep));
        RequirePositive(Regularization, nameof(Regularization));
        RequirePositive(AlphaMin, nameof(AlphaMin));
        if (PrimalStepsPerRound < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(PrimalStepsPerRound), PrimalStepsPerRound, "DBiNUM needs at least one lower-level step per round.");
        }

        if (!(AlphaMax >= AlphaMin) || double.IsInfinity(AlphaMax))
        {
            throw new ArgumentOutOfRangeException(nameof(AlphaMax), AlphaMax, "The upper end of A must be finite and at least AlphaMin.");
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
