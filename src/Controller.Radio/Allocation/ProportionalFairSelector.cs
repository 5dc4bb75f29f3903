using Controller.Radio.Channels;
using Controller.Radio.Scenarios;

namespace Controller.Radio.Allocation;

/// <summary>
/// Proportional-fair user selection (paper 003 Sec. V): each transmitter serves its active associated
/// receiver with the largest <c>fhat_j / fbar_j</c>, where <c>fhat_j</c> is the rate j would get if every
/// transmitter used full power and <c>fbar_j</c> is an exponential average of j's achieved rate
/// (<c>fbar = (1 - beta) fbar + beta r</c>, beta = 0.05). Its ratios double as link priorities (ITLinQ).
/// One instance follows one configuration.
/// </summary>
public sealed class ProportionalFairSelector
{
    /// <summary>Default averaging weight beta.</summary>
    public const double DefaultBeta = 0.05;

    // A receiver that has never been served has fbar = 0; the floor turns its ratio into a large finite
    // number that still orders such receivers by their full-power rate.
    private const double AverageFloor = 1e-9;

    private readonly double[] _average;
    private readonly double[] _ratio;
    private readonly double[] _fullPower;
    private readonly double[] _bestRatio;
    private readonly int[] _roundRobinCursor;
    private readonly double _beta;

    /// <summary>Creates the selector for <paramref name="receivers"/> receivers and <paramref name="transmitters"/> transmitters.</summary>
    public ProportionalFairSelector(int receivers, int transmitters, double beta = DefaultBeta)
    {
        _average = new double[receivers];
        _ratio = new double[receivers];
        _fullPower = new double[transmitters];
        _bestRatio = new double[transmitters];
        _roundRobinCursor = new int[transmitters];
        Array.Fill(_roundRobinCursor, -1);
        _beta = beta;
    }

    /// <summary>Exponential averages <c>fbar</c> of achieved rates.</summary>
    public ReadOnlySpan<double> AverageRate => _average;

    /// <summary>PF ratios <c>fhat / fbar</c> computed by the last <see cref="Select(NetworkConfiguration, Span{int}, ReadOnlySpan{bool})"/> (0 for inactive receivers).</summary>
    public ReadOnlySpan<double> Ratio => _ratio;

    /// <summary>Chooses one active receiver per transmitter by PF ratio (-1 where none is active).</summary>
    public void Select(NetworkConfiguration configuration, Span<int> servedReceiver) => Select(configuration, servedReceiver, eligible: default);

    /// <summary>
    /// Chooses one active receiver per transmitter by PF ratio among those also marked in
    /// <paramref name="eligible"/> (empty: all active receivers), -1 where none qualifies. ALCOR's on-off
    /// draws use the mask.
    /// </summary>
    public void Select(NetworkConfiguration configuration, Span<int> servedReceiver, ReadOnlySpan<bool> eligible)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Select(configuration, configuration.Gains, servedReceiver, eligible);
    }

    /// <summary>
    /// Like <see cref="Select(NetworkConfiguration, Span{int}, ReadOnlySpan{bool})"/>, estimating full-power
    /// rates from <paramref name="gains"/> instead of the configuration's current ones (a policy that sees the
    /// channel only with a delay); activity is the current slot's.
    /// </summary>
    public void Select(NetworkConfiguration configuration, GainMatrix gains, Span<int> servedReceiver, ReadOnlySpan<bool> eligible)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(gains);
        var serving = configuration.ServingTransmitter;
        var noise = configuration.Constants.Noise;
        var pmax = configuration.Constants.MaxPower;
        _fullPower.AsSpan().Fill(pmax);
        servedReceiver.Fill(-1);
        _bestRatio.AsSpan().Fill(double.NegativeInfinity);
        for (var r = 0; r < _ratio.Length; r++)
        {
            if (!configuration.Active[r] || (!eligible.IsEmpty && !eligible[r]))
            {
                _ratio[r] = 0;
                continue;
            }

            var t = serving[r];
            var estimate = Sinr.Rate(Sinr.At(gains.Row(r), t, _fullPower, noise));
            _ratio[r] = estimate / Math.Max(_average[r], AverageFloor);
            if (_ratio[r] > _bestRatio[t])
            {
                _bestRatio[t] = _ratio[r];
                servedReceiver[t] = r;
            }
        }
    }

    /// <summary>Warm-up selection: each transmitter cycles through its active associated receivers.</summary>
    public void SelectRoundRobin(NetworkConfiguration configuration, Span<int> servedReceiver)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var serving = configuration.ServingTransmitter;
        servedReceiver.Fill(-1);
        for (var t = 0; t < servedReceiver.Length; t++)
        {
            var start = _roundRobinCursor[t];
            for (var step = 1; step <= serving.Length; step++)
            {
                var r = (start + step + serving.Length) % serving.Length;
                if (serving[r] == t && configuration.Active[r])
                {
                    servedReceiver[t] = r;
                    _roundRobinCursor[t] = r;
                    break;
                }
            }
        }
    }

    /// <summary>
    /// Sets the averages <c>fbar</c> (a controller resuming users whose averages it stored); values must be
    /// finite and not negative, one per receiver.
    /// </summary>
    public void RestoreAverages(ReadOnlySpan<double> averages)
    {
        if (averages.Length != _average.Length)
        {
            throw new ArgumentException($"Expected {_average.Length} averages, got {averages.Length}.", nameof(averages));
        }

        foreach (var value in averages)
        {
            if (!(value >= 0) || double.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(nameof(averages), value, "A rate average must be finite and not negative.");
            }
        }

        averages.CopyTo(_average);
    }

    /// <summary>Folds the rates achieved in this slot (0 for receivers not served) into the averages.</summary>
    public void Update(ReadOnlySpan<double> achievedRates)
    {
        for (var r = 0; r < _average.Length; r++)
        {
            _average[r] = ((1 - _beta) * _average[r]) + (_beta * achievedRates[r]);
        }
    }
}
