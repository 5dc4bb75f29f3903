namespace Controller.Optimization.Dbinum;

/// <summary>
/// A flow's true utility <c>U~(x)</c>: unknown to the network, possibly nonconcave, and only queried through
/// <see cref="UtilityFeedback"/> (paper 000 Sec. 8.2 gives four families; one more, alpha-fair, is Sec. 8.1's).
/// Every family is defined at negative rates too, so the two-point estimator may probe a little below zero.
/// </summary>
public abstract record FlowUtility
{
    /// <summary><c>U~(x)</c>.</summary>
    public abstract double Value(double rate);

    /// <summary><c>U~'(x)</c>, what gradient feedback answers.</summary>
    public abstract double Derivative(double rate);

    /// <summary>Feedback that answers gradient queries (and values, for reports only).</summary>
    public UtilityFeedback GradientFeedback() => UtilityFeedback.FromGradient(Derivative, Value);

    /// <summary>Value-only feedback; the network estimates gradients with the two-point estimator of radius <paramref name="smoothing"/>.</summary>
    public UtilityFeedback ValueFeedback(double smoothing) => UtilityFeedback.FromValue(Value, smoothing);

    /// <summary>Throws when <paramref name="value"/> is not positive and finite.</summary>
    protected static double Positive(double value, string name)
        => value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and finite.");
}

/// <summary>Quadratic <c>a x^2</c> (flow 1 of paper 000 Sec. 8.2): convex, so a concave surrogate can only approximate it.</summary>
/// <param name="Scale">a.</param>
public sealed record QuadraticUtility(double Scale) : FlowUtility
{
    /// <summary>a.</summary>
    public double Scale { get; } = Positive(Scale, nameof(Scale));

    /// <inheritdoc />
    public override double Value(double rate) => Scale * rate * rate;

    /// <inheritdoc />
    public override double Derivative(double rate) => 2 * Scale * rate;
}

/// <summary>
/// Square root <c>a (sqrt(x + b) - sqrt(b))</c> (flow 2 of paper 000 Sec. 8.2). The text prints
/// <c>a sqrt(x + b) - a sqrt(x)</c>, which falls with x (a flow that wants no rate); we read the second root's
/// argument as b, which makes the utility rise from 0 at x = 0. Defined for x &gt; -b.
/// </summary>
/// <param name="Scale">a.</param>
/// <param name="Shift">b.</param>
public sealed record SquareRootUtility(double Scale, double Shift) : FlowUtility
{
    /// <summary>a.</summary>
    public double Scale { get; } = Positive(Scale, nameof(Scale));

    /// <summary>b.</summary>
    public double Shift { get; } = Positive(Shift, nameof(Shift));

    /// <inheritdoc />
    public override double Value(double rate) => Scale * (Math.Sqrt(rate + Shift) - Math.Sqrt(Shift));

    /// <inheritdoc />
    public override double Derivative(double rate) => Scale / (2 * Math.Sqrt(rate + Shift));
}

/// <summary>
/// Logarithmic <c>a log(b x + 1)</c> (flow 3 of paper 000 Sec. 8.2). The text prints <c>a log(b + 1)</c>, a
/// constant; we read the missing x as the rate's factor inside the log. Defined for x &gt; -1/b.
/// </summary>
/// <param name="Scale">a.</param>
/// <param name="Slope">b.</param>
public sealed record LogUtility(double Scale, double Slope) : FlowUtility
{
    /// <summary>a.</summary>
    public double Scale { get; } = Positive(Scale, nameof(Scale));

    /// <summary>b.</summary>
    public double Slope { get; } = Positive(Slope, nameof(Slope));

    /// <inheritdoc />
    public override double Value(double rate) => Scale * Math.Log((Slope * rate) + 1);

    /// <inheritdoc />
    public override double Derivative(double rate) => Scale * Slope / ((Slope * rate) + 1);
}

/// <summary>Alpha-fair <c>x^(1-a) / (1-a)</c> (<c>ln x</c> at a = 1) as a true utility (paper 000 Sec. 8.1, and flow 4's first option in Sec. 8.2).</summary>
/// <param name="Alpha">a~.</param>
public sealed record AlphaFairFlowUtility(double Alpha) : FlowUtility
{
    /// <summary>a~.</summary>
    public double Alpha { get; } = Positive(Alpha, nameof(Alpha));

    /// <inheritdoc />
    public override double Value(double rate) => AlphaFairUtility.Value(rate, Alpha);

    /// <inheritdoc />
    public override double Derivative(double rate) => AlphaFairUtility.Derivative(rate, Alpha);
}

/// <summary>
/// The s-shape of prospect theory (paper 000 Sec. 8.2, its reference [43]) <c>x^a</c> for x &gt;= 0 and
/// <c>-b (-x)^a</c> for x &lt; 0: gains concave and losses convex when a &lt; 1, the other way round when
/// a &gt; 1 (Fig. 6's a = 1.8 is convex in the rate). Only the gain side is reached by a rate; the loss side
/// matters to a probe below zero.
/// </summary>
/// <param name="Exponent">a.</param>
/// <param name="LossWeight">b.</param>
public sealed record SShapeUtility(double Exponent, double LossWeight) : FlowUtility
{
    /// <summary>a.</summary>
    public double Exponent { get; } = Positive(Exponent, nameof(Exponent));

    /// <summary>b.</summary>
    public double LossWeight { get; } = Positive(LossWeight, nameof(LossWeight));

    /// <inheritdoc />
    public override double Value(double rate)
        => rate >= 0 ? Math.Pow(rate, Exponent) : -LossWeight * Math.Pow(-rate, Exponent);

    /// <inheritdoc />
    public override double Derivative(double rate)
        => rate >= 0 ? Exponent * Math.Pow(rate, Exponent - 1) : LossWeight * Exponent * Math.Pow(-rate, Exponent - 1);
}
