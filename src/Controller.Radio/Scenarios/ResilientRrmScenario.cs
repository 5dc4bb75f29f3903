using Controller.Radio.Channels;
using Controller.Radio.Randomness;

namespace Controller.Radio.Scenarios;

/// <summary>
/// Paper 003 Sec. V: m APs and n UEs uniform in a square (APs at least 35 m apart, UEs at least 10 m
/// from every AP); dual-slope path loss (eq. 30) with log-normal shadowing; Rayleigh fading correlated
/// in time with Jakes' coefficient for the pedestrian speed and carrier (AR(1) form); max-SINR association
/// on the long-term gain, fixed per configuration. UEs walk in straight lines at <c>speed</c>, reflecting
/// off the area's edges; path loss follows them and shadowing decorrelates with distance walked
/// (Gudmundson). The first <c>warmup</c> slots run full power with round-robin selection and are not scored.
/// Powers are in mW: Pmax = 10 dBm, noise = -174 dBm/Hz over 10 MHz = -104 dBm.
/// </summary>
public sealed class ResilientRrmScenario : Scenario
{
    private static readonly SettingDefinition[] Definitions =
    [
        new("aps", SettingKind.Whole, "4", "", 1, 1024, "number of access points (m)"),
        new("users", SettingKind.Whole, "40", "", 1, 16384, "number of user equipments (n)"),
        new("fmin", SettingKind.Number, "1", "bps/Hz", 0, 100, "per-user minimum long-term rate"),
        new("area", SettingKind.Number, "500", "m", 10, 100_000, "side of the square deployment area"),
        new("minApDistance", SettingKind.Number, "35", "m", 0, 10_000, "smallest AP-AP distance"),
        new("minUserDistance", SettingKind.Number, "10", "m", 0, 10_000, "smallest AP-UE distance"),
        new("pathLossK0", SettingKind.Number, "39", "dB", 0, 200, "path loss at 1 m (K0)"),
        new("breakpoint", SettingKind.Number, "100", "m", 1, 100_000, "dual-slope breakpoint distance"),
        new("shadowingDb", SettingKind.Number, "7", "dB", 0, 30, "log-normal shadowing standard deviation"),
        new("shadowingDecorrelation", SettingKind.Number, "50", "m", 1, 100_000, "distance over which shadowing decorrelates (Gudmundson)"),
        new("bandwidthMHz", SettingKind.Number, "10", "MHz", 0.001, 10_000, "channel bandwidth"),
        new("noiseDensityDbmHz", SettingKind.Number, "-174", "dBm/Hz", -250, 0, "noise power spectral density"),
        new("pmaxDbm", SettingKind.Number, "10", "dBm", -50, 80, "largest AP transmit power"),
        new("speed", SettingKind.Number, "1", "m/s", 0, 100, "user speed (pedestrian)"),
        new("carrierGHz", SettingKind.Number, "2.4", "GHz", 0.1, 300, "carrier frequency (sets the Doppler shift)"),
        new("slotMs", SettingKind.Number, "1", "ms", 0.001, 10_000, "slot duration"),
        new("mobilitySlots", SettingKind.Whole, "10", "slots", 1, 1_000_000, "slots between position and path-loss updates"),
        new("warmup", SettingKind.Whole, "100", "slots", 0, 1_000_000, "unscored warm-up slots at full power, round-robin selection"),
    ];

    /// <inheritdoc />
    public override string Name => "resilient-rrm";

    /// <inheritdoc />
    public override string Source => "paper 003 Sec. V";

    /// <inheritdoc />
    public override string Summary => "m APs, n UEs in a square, dual-slope path loss, shadowing, Jakes-correlated Rayleigh fading, mobility";

    /// <inheritdoc />
    public override IReadOnlyList<SettingDefinition> Settings => Definitions;

    /// <inheritdoc />
    public override int DefaultSlots => 200;

    /// <inheritdoc />
    public override NetworkConfiguration CreateConfiguration(ScenarioSettings settings, ulong seed, int index)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new Configuration(index, settings, seed);
    }

    /// <inheritdoc />
    protected override void Validate(ScenarioSettings settings)
    {
        var area = settings.GetDouble("area");
        var aps = settings.GetInt("aps");
        var minAp = settings.GetDouble("minApDistance");
        // Hard-disc packing bound: if the discs of radius minAp/2 cannot fit, rejection sampling would never end.
        if (aps * Math.PI * minAp * minAp / 4 > 0.5 * (area + minAp) * (area + minAp))
        {
            throw new RadioInputException($"Scenario 'resilient-rrm' cannot place {aps} APs at least {minAp} m apart in a {area} m square; lower 'aps' or 'minApDistance' or raise 'area'.");
        }

        if (settings.GetDouble("minUserDistance") * 2 >= area)
        {
            throw new RadioInputException("Setting 'minUserDistance' of scenario 'resilient-rrm' must be below half of 'area'.");
        }
    }

    private sealed class Configuration : NetworkConfiguration
    {
        private const int MaxPlacementAttempts = 1_000_000;
        private readonly SeededRandom _channelRandom;
        private readonly SeededRandom _mobilityRandom;
        private readonly CorrelatedFading _fading;
        private readonly double[] _shadowingDb;
        private readonly double[] _largeScale;
        private readonly double[] _heading;
        private readonly double _area;
        private readonly double _k0;
        private readonly double _breakpoint;
        private readonly double _sigma;
        private readonly double _decorrelation;
        private readonly double _stepMeters;
        private readonly int _mobilitySlots;

        public Configuration(int index, ScenarioSettings settings, ulong seed)
            : this(index, settings, seed, SeededRandom.ForStream(seed, RandomStreams.Layout, (ulong)index))
        {
        }

        private Configuration(int index, ScenarioSettings settings, ulong seed, SeededRandom layout)
            : this(index, settings, seed, layout, Place(settings, layout))
        {
        }

        private Configuration(int index, ScenarioSettings settings, ulong seed, SeededRandom layout, Placement placement)
            : base(index, placement.Aps.Length, placement.Association, oneToOne: false, CreateConstants(settings, placement.Aps.Length), CreateDemands(settings))
        {
            _area = settings.GetDouble("area");
            _k0 = settings.GetDouble("pathLossK0");
            _breakpoint = settings.GetDouble("breakpoint");
            _sigma = settings.GetDouble("shadowingDb");
            _decorrelation = settings.GetDouble("shadowingDecorrelation");
            _mobilitySlots = settings.GetInt("mobilitySlots");
            _stepMeters = settings.GetDouble("speed") * settings.GetDouble("slotMs") / 1000 * _mobilitySlots;
            WarmupSlots = settings.GetInt("warmup");
            TransmitterPositions = placement.Aps;
            ReceiverPositions = placement.Users;
            _shadowingDb = placement.ShadowingDb;
            _largeScale = new double[placement.Users.Length * placement.Aps.Length];
            _heading = new double[placement.Users.Length];
            for (var u = 0; u < _heading.Length; u++)
            {
                _heading[u] = layout.NextDouble(0, 2 * Math.PI);
            }

            _channelRandom = SeededRandom.ForStream(seed, RandomStreams.Channel, (ulong)index);
            _mobilityRandom = SeededRandom.ForStream(seed, RandomStreams.Mobility, (ulong)index);
            var rho = CorrelatedFading.JakesCorrelation(settings.GetDouble("speed"), settings.GetDouble("carrierGHz") * 1e9, settings.GetDouble("slotMs") / 1000);
            _fading = new CorrelatedFading(_largeScale.Length, rho, _channelRandom);
            UpdateLargeScale();
        }

        protected override void AdvanceCore(int slot)
        {
            if (slot > 0)
            {
                _fading.Advance(_channelRandom);
                if (_stepMeters > 0 && slot % _mobilitySlots == 0)
                {
                    Move();
                }
            }

            var values = Gains.Values;
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = _largeScale[i] * _fading.Power(i);
            }
        }

        private static RadioConstants CreateConstants(ScenarioSettings settings, int aps)
        {
            var pmax = PathLoss.DbToLinear(settings.GetDouble("pmaxDbm"));
            var noiseDbm = settings.GetDouble("noiseDensityDbmHz") + PathLoss.LinearToDb(settings.GetDouble("bandwidthMHz") * 1e6);
            return new RadioConstants(PathLoss.DbToLinear(noiseDbm), pmax, aps * pmax, "mW");
        }

        private static double[] CreateDemands(ScenarioSettings settings)
        {
            var demands = new double[settings.GetInt("users")];
            Array.Fill(demands, settings.GetDouble("fmin"));
            return demands;
        }

        private static Placement Place(ScenarioSettings settings, SeededRandom random)
        {
            var area = settings.GetDouble("area");
            var aps = new Point2[settings.GetInt("aps")];
            var users = new Point2[settings.GetInt("users")];
            var minAp = settings.GetDouble("minApDistance");
            var minUser = settings.GetDouble("minUserDistance");
            for (var i = 0; i < aps.Length; i++)
            {
                aps[i] = Draw(random, area, p => aps.Take(i).All(q => q.DistanceTo(p) >= minAp));
            }

            for (var j = 0; j < users.Length; j++)
            {
                users[j] = Draw(random, area, p => aps.All(q => q.DistanceTo(p) >= minUser));
            }

            var sigma = settings.GetDouble("shadowingDb");
            var shadowing = new double[users.Length * aps.Length];
            for (var i = 0; i < shadowing.Length; i++)
            {
                shadowing[i] = sigma * random.NextGaussian();
            }

            // Max-SINR association on the long-term gain: with every AP at full power, SINR rises with the
            // serving gain, so the best-SINR AP is the one with the largest long-term gain.
            var association = new int[users.Length];
            var k0 = settings.GetDouble("pathLossK0");
            var breakpoint = settings.GetDouble("breakpoint");
            for (var j = 0; j < users.Length; j++)
            {
                var best = double.NegativeInfinity;
                for (var i = 0; i < aps.Length; i++)
                {
                    var gainDb = -PathLoss.DualSlopeDb(Math.Max(1, users[j].DistanceTo(aps[i])), k0, breakpoint) + shadowing[(j * aps.Length) + i];
                    if (gainDb > best)
                    {
                        best = gainDb;
                        association[j] = i;
                    }
                }
            }

            return new Placement(aps, users, shadowing, association);
        }

        private static Point2 Draw(SeededRandom random, double area, Func<Point2, bool> accept)
        {
            for (var attempt = 0; attempt < MaxPlacementAttempts; attempt++)
            {
                var p = new Point2(random.NextDouble(0, area), random.NextDouble(0, area));
                if (accept(p))
                {
                    return p;
                }
            }

            throw new RadioInputException("Scenario 'resilient-rrm' could not place its nodes with the given distance constraints; relax 'minApDistance' or 'minUserDistance'.");
        }

        private void Move()
        {
            var users = ReceiverPositions!;
            var aps = TransmitterPositions!;
            var correlation = Math.Exp(-_stepMeters / _decorrelation);
            var innovation = _sigma * Math.Sqrt(1 - (correlation * correlation));
            for (var j = 0; j < users.Length; j++)
            {
                var x = users[j].X + (_stepMeters * Math.Cos(_heading[j]));
                var y = users[j].Y + (_stepMeters * Math.Sin(_heading[j]));
                if (x < 0 || x > _area)
                {
                    x = Math.Clamp(x < 0 ? -x : (2 * _area) - x, 0, _area);
                    _heading[j] = Math.PI - _heading[j];
                }

                if (y < 0 || y > _area)
                {
                    y = Math.Clamp(y < 0 ? -y : (2 * _area) - y, 0, _area);
                    _heading[j] = -_heading[j];
                }

                users[j] = new Point2(x, y);
                for (var i = 0; i < aps.Length; i++)
                {
                    var k = (j * aps.Length) + i;
                    _shadowingDb[k] = (correlation * _shadowingDb[k]) + (innovation * _mobilityRandom.NextGaussian());
                }
            }

            UpdateLargeScale();
            ReceiversMoved = true;
        }

        private void UpdateLargeScale()
        {
            var users = ReceiverPositions!;
            var aps = TransmitterPositions!;
            for (var j = 0; j < users.Length; j++)
            {
                for (var i = 0; i < aps.Length; i++)
                {
                    var k = (j * aps.Length) + i;
                    var lossDb = PathLoss.DualSlopeDb(Math.Max(1, users[j].DistanceTo(aps[i])), _k0, _breakpoint);
                    _largeScale[k] = PathLoss.DbToLinear(_shadowingDb[k] - lossDb);
                }
            }
        }
    }

    private sealed record Placement(Point2[] Aps, Point2[] Users, double[] ShadowingDb, int[] Association);
}
