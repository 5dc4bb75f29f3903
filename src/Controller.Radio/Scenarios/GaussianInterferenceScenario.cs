using Controller.Radio.Channels;
using Controller.Radio.Randomness;

namespace Controller.Radio.Scenarios;

/// <summary>
/// Paper 001 Sec. IV-A: N links with i.i.d. CN(0,1) coefficients in every slot, Pmax = 1 and
/// noise = 10^(-SNR/10); each link is active with probability <c>activity</c> per slot and inactive
/// links are removed from the slot (no power, no rate).
/// </summary>
public sealed class GaussianInterferenceScenario : Scenario
{
    private static readonly SettingDefinition[] Definitions =
    [
        new("links", SettingKind.Whole, "20", "", 1, 4096, "number of transmitter-receiver links"),
        new("snrDb", SettingKind.Number, "15", "dB", -30, 60, "Pmax / N0"),
        new("activity", SettingKind.Number, "1", "", 0, 1, "probability that a link is active in a slot (paper 001's kappa)"),
        new("demands", SettingKind.NumberList, "", "bps/Hz", 0, 100, "per-link minimum rates: one value for all or one per link; empty = none"),
    ];

    /// <inheritdoc />
    public override string Name => "gaussian-ic";

    /// <inheritdoc />
    public override string Source => "paper 001 Sec. IV-A";

    /// <inheritdoc />
    public override string Summary => "N links, i.i.d. CN(0,1) gains per slot, optional per-slot link activity";

    /// <inheritdoc />
    public override IReadOnlyList<SettingDefinition> Settings => Definitions;

    /// <inheritdoc />
    public override NetworkConfiguration CreateConfiguration(ScenarioSettings settings, ulong seed, int index)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var links = settings.GetInt("links");
        var constants = new RadioConstants(PathLoss.DbToLinear(-settings.GetDouble("snrDb")), 1.0, links, string.Empty);
        return new Configuration(index, links, constants, ExpandDemands(settings, "demands", links), settings.GetDouble("activity"), seed);
    }

    /// <inheritdoc />
    protected override void Validate(ScenarioSettings settings) => ExpandDemands(settings, "demands", settings.GetInt("links"));

    private sealed class Configuration : NetworkConfiguration
    {
        private readonly SeededRandom _channelRandom;
        private readonly SeededRandom _activityRandom;
        private readonly double _activity;

        public Configuration(int index, int links, RadioConstants constants, double[] demands, double activity, ulong seed)
            : base(index, links, Enumerable.Range(0, links).ToArray(), oneToOne: true, constants, demands)
        {
            _activity = activity;
            // Separate streams: the same seed gives the same gains whatever the activity setting is.
            _channelRandom = SeededRandom.ForStream(seed, RandomStreams.Channel, (ulong)index);
            _activityRandom = SeededRandom.ForStream(seed, RandomStreams.Activity, (ulong)index);
        }

        protected override void AdvanceCore(int slot)
        {
            var values = Gains.Values;
            for (var i = 0; i < values.Length; i++)
            {
                var (re, im) = _channelRandom.NextComplexGaussian();
                values[i] = (re * re) + (im * im);
            }

            for (var i = 0; i < Active.Length; i++)
            {
                Active[i] = _activity >= 1 || _activityRandom.NextBernoulli(_activity);
            }
        }
    }
}
