using Controller.Radio.Channels;
using Controller.Radio.Randomness;

namespace Controller.Radio.Scenarios;

/// <summary>
/// Paper 004 Sec. VI: m transmitter-receiver pairs; transmitters uniform in [-L, L]^2 with
/// L = sqrt(m m_train) (L = m when trained and tested at the same size, which keeps the density),
/// receivers uniform in [a_i - m_train/4, a_i + m_train/4]^2; amplitude |h_ij| = d^-2.2 |h^f_ij| with
/// d clipped at 1 and fading h^f(t+1) = sqrt(1 - delta) h^f(t) + sqrt(delta) w, w ~ CN(0,1) (eq. 6);
/// noise 1. Transmitters choose between 0 and p0 under an average total budget <c>pmaxTotal</c>.
/// The paper gives neither p0 nor the budget: the defaults (p0 = 1000, budget = m p0 / 2) put a typical
/// pair at 10-30 dB SNR, so that interference, not noise, limits the sum rate.
/// With <c>awake</c> &lt; 1 (Sec. VI-B, asynchronous) each pair is awake in a slot with that probability, independently
/// (the paper draws a Poisson number of active nodes; with m = 50 and awake = 0.5 both average 25 per slot).
/// With <c>network</c> = N &gt;= 1 every configuration of every seed has the same positions (those of configuration 0 of
/// seed N) and only the fading differs: Sec. VI-C trains on one fixed network and tests on new random ones.
/// </summary>
public sealed class AggGnnScenario : Scenario
{
    private static readonly SettingDefinition[] Definitions =
    [
        new("pairs", SettingKind.Whole, "25", "", 1, 4096, "number of transmitter-receiver pairs (m)"),
        new("delta", SettingKind.Number, "0.3", "", 0, 1, "fading innovation factor (1 = i.i.d. slots, 0 = constant)"),
        new("hops", SettingKind.Whole, "5", "", 1, 64, "aggregation length K (policy neighbourhood range; iterations of distributed WMMSE)"),
        new("trainingPairs", SettingKind.Whole, "0", "", 0, 4096, "m of the density to keep when testing at another size (0 = same as pairs)"),
        new("pathLossExponent", SettingKind.Number, "2.2", "", 0, 10, "amplitude path-loss exponent"),
        new("p0", SettingKind.Number, "1000", "", 1e-9, 1e12, "transmit power when on (noise = 1)"),
        new("pmaxTotal", SettingKind.Number, "0", "", 0, 1e15, "average total power budget (0 = pairs * p0 / 2)"),
        new("edgeThreshold", SettingKind.Number, "0", "", 0, 1e6, "eta0: smallest |h_ij| kept as a neighbour edge"),
        new("awake", SettingKind.Number, "1", "", 0.01, 1, "probability that a pair is awake (decides, sends messages) in a slot; asleep pairs keep their last power (1 = synchronous)"),
        new("network", SettingKind.Whole, "0", "", 0, 1000000, "0 = a new random network per configuration; N >= 1 = every configuration on network N (the layout configuration 0 of seed N has), only the fading differs (paper 004 Sec. VI-C)"),
    ];

    /// <inheritdoc />
    public override string Name => "agg-gnn";

    /// <inheritdoc />
    public override string Source => "paper 004 Sec. VI";

    /// <inheritdoc />
    public override string Summary => "m ad-hoc pairs, d^-2.2 amplitude path loss, delta-correlated Rayleigh fading, power budget";

    /// <inheritdoc />
    public override IReadOnlyList<SettingDefinition> Settings => Definitions;

    /// <inheritdoc />
    public override NetworkConfiguration CreateConfiguration(ScenarioSettings settings, ulong seed, int index)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var pairs = settings.GetInt("pairs");
        var p0 = settings.GetDouble("p0");
        var budget = settings.GetDouble("pmaxTotal");
        var constants = new RadioConstants(1.0, p0, budget > 0 ? budget : pairs * p0 / 2, string.Empty);
        return new Configuration(index, pairs, constants, settings, seed);
    }

    private sealed class Configuration : NetworkConfiguration
    {
        private readonly SeededRandom _channelRandom;
        private readonly CorrelatedFading _fading;
        private readonly double[] _largeScale;
        private readonly double _awake;
        private readonly SeededRandom _wakeRandom;

        public Configuration(int index, int pairs, RadioConstants constants, ScenarioSettings settings, ulong seed)
            : base(index, pairs, Enumerable.Range(0, pairs).ToArray(), oneToOne: true, constants, new double[pairs])
        {
            // network = N >= 1: one fixed network for every seed and index (Sec. VI-C), the layout of configuration 0 of seed N.
            var network = settings.GetInt("network");
            var layout = network > 0
                ? SeededRandom.ForStream((ulong)network, RandomStreams.Layout, 0)
                : SeededRandom.ForStream(seed, RandomStreams.Layout, (ulong)index);
            var training = settings.GetInt("trainingPairs");
            var densityPairs = training > 0 ? training : pairs;
            var half = Math.Sqrt((double)pairs * densityPairs);
            var spread = densityPairs / 4.0;
            var transmitters = new Point2[pairs];
            var receivers = new Point2[pairs];
            for (var i = 0; i < pairs; i++)
            {
                transmitters[i] = new Point2(layout.NextDouble(-half, half), layout.NextDouble(-half, half));
                receivers[i] = new Point2(
                    layout.NextDouble(transmitters[i].X - spread, transmitters[i].X + spread),
                    layout.NextDouble(transmitters[i].Y - spread, transmitters[i].Y + spread));
            }

            TransmitterPositions = transmitters;
            ReceiverPositions = receivers;
            var exponent = settings.GetDouble("pathLossExponent");
            _largeScale = new double[pairs * pairs];
            for (var r = 0; r < pairs; r++)
            {
                for (var t = 0; t < pairs; t++)
                {
                    var amplitude = PathLoss.PowerLawAmplitude(receivers[r].DistanceTo(transmitters[t]), exponent);
                    _largeScale[(r * pairs) + t] = amplitude * amplitude;
                }
            }

            _channelRandom = SeededRandom.ForStream(seed, RandomStreams.Channel, (ulong)index);
            _fading = new CorrelatedFading(pairs * pairs, Math.Sqrt(1 - settings.GetDouble("delta")), _channelRandom);
            // Its own stream: the same seed gives the same channels whatever the wake probability is.
            _awake = settings.GetDouble("awake");
            _wakeRandom = SeededRandom.ForStream(seed, RandomStreams.Activity, (ulong)index);
        }

        protected override void AdvanceCore(int slot)
        {
            if (slot > 0)
            {
                _fading.Advance(_channelRandom);
            }

            var values = Gains.Values;
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = _largeScale[i] * _fading.Power(i);
            }

            if (_awake < 1)
            {
                for (var i = 0; i < Awake.Length; i++)
                {
                    Awake[i] = _wakeRandom.NextBernoulli(_awake);
                }
            }
        }
    }
}
