using Controller.Radio.Randomness;

namespace Controller.Optimization.Dbinum;

/// <summary>
/// What a user can tell the network about its true, unknown utility <c>U~</c> (paper 000 Sec. 6): either
/// how fast it grows (a gradient query) or only how satisfied it is (a value query). DBiNUM needs the
/// gradient; from values it estimates one with the two-point estimator of eq. 18.
/// </summary>
public sealed class UtilityFeedback
{
    private readonly Func<double, double>? _gradient;
    private readonly Func<double, double>? _value;

    private UtilityFeedback(Func<double, double>? gradient, Func<double, double>? value, double smoothing)
    {
        _gradient = gradient;
        _value = value;
        Smoothing = smoothing;
    }

    /// <summary>True when the user answers gradient queries; false when only values are known.</summary>
    public bool GivesGradient => _gradient is not null;

    /// <summary>True when <see cref="Value"/> can be asked (value feedback, or a gradient user that also gave values for reports).</summary>
    public bool GivesValue => _value is not null;

    /// <summary>The two-point estimator's smoothing radius delta; 0 for gradient feedback.</summary>
    public double Smoothing { get; }

    /// <summary>
    /// Gradient feedback <c>U~'(x)</c>. <paramref name="value"/> is optional and never used by the
    /// algorithm: it only lets a driver report the true utility.
    /// </summary>
    public static UtilityFeedback FromGradient(Func<double, double> gradient, Func<double, double>? value = null)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        return new UtilityFeedback(gradient, value, 0);
    }

    /// <summary>
    /// Value-only feedback <c>U~(x)</c>; the gradient is estimated as <c>(U~(x + delta u) - U~(x)) u / delta</c>
    /// with u ~ N(0, 1) (eq. 18), whose bias is of order delta. The utility is queried at <c>x + delta u</c>, so
    /// it must be defined a few delta around the rates the user can get.
    /// </summary>
    public static UtilityFeedback FromValue(Func<double, double> value, double smoothing = 0.01)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!(smoothing > 0) || double.IsInfinity(smoothing))
        {
            throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "The two-point smoothing radius must be positive and finite.");
        }

        return new UtilityFeedback(null, value, smoothing);
    }

    /// <summary>
    /// <c>U~'(x)</c> from a gradient query, or the two-point estimate from two value queries; value
    /// feedback draws one standard normal from <paramref name="random"/>, gradient feedback draws nothing.
    /// </summary>
    public double EstimateGradient(double rate, SeededRandom random)
    {
        if (_gradient is not null)
        {
            return _gradient(rate);
        }

        ArgumentNullException.ThrowIfNull(random);
        var direction = random.NextGaussian();
        return TwoPointEstimate(_value!(ProbeRate(rate, direction, Smoothing)), _value(rate), direction, Smoothing);
    }

    /// <summary>The gradient query <c>U~'(x)</c>; throws when the user gives values only.</summary>
    public double Gradient(double rate)
        => _gradient is not null ? _gradient(rate) : throw new InvalidOperationException("This user gives value feedback only; its utility gradient must be estimated.");

    /// <summary>The true utility at <paramref name="rate"/>; throws when the user gave no values.</summary>
    public double Value(double rate)
        => _value is not null ? _value(rate) : throw new InvalidOperationException("This user gives gradient feedback only; its utility value is unknown.");

    /// <summary>
    /// Where the two-point estimator queries the utility besides x: <c>x + delta u</c>. A user grain, which
    /// draws u itself and gets the values from outside, uses this and <see cref="TwoPointEstimate"/>, so its
    /// estimate equals <see cref="EstimateGradient"/>'s bit for bit.
    /// </summary>
    public static double ProbeRate(double rate, double direction, double smoothing) => rate + (smoothing * direction);

    /// <summary>Paper 000 eq. 18 from the two value queries: <c>(U~(x + delta u) - U~(x)) u / delta</c>.</summary>
    public static double TwoPointEstimate(double valueAtProbe, double valueAtRate, double direction, double smoothing)
        => (valueAtProbe - valueAtRate) * direction / smoothing;
}
