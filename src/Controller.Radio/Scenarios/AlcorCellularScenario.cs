using Controller.Radio.Channels;
using Controller.Radio.Randomness;

namespace Controller.Radio.Scenarios;

/// <summary>
/// Paper 001 Sec. IV-B: 7 hexagonal cells (flat-topped, circumradius = <c>maxDistance</c>); every
/// transmitter sits at its cell's centre and its receiver is uniform in the cell at least
/// <c>minDistance</c> from the centre; link i belongs to cell i mod 7. Path loss
/// 120.9 + 37.6 log10(d_km) dB, CN(0,1) small-scale fading drawn every slot, and large-scale fading
/// (receiver positions) redrawn every <c>largeScaleSlots</c> slots ("50 times slower").
/// </summary>
public sealed class AlcorCellularScenario : Scenario
{
    private const int Cells = 7;

    private static readonly SettingDefinition[] Definitions =
    [
        new("links", SettingKind.Whole, "21", "", 1, 4096, "number of links, spread round-robin over the 7 cells"),
        new("demands", SettingKind.NumberList, "", "bps/Hz", 0, 100, "per-link minimum rates: one value for all or one per link; empty = none"),
        new("minDistance", SettingKind.Number, "50", "m", 1, 10_000, "smallest transmitter-receiver distance"),
        new("maxDistance", SettingKind.Number, "500", "m", 2, 10_000, "cell circumradius (largest distance)"),
        new("pathLossIntercept", SettingKind.Number, "120.9", "dB", 0, 300, "path loss at 1 km"),
        new("pathLossSlope", SettingKind.Number, "37.6", "dB/decade", 0, 100, "path-loss slope"),
        new("noiseDbm", SettingKind.Number, "-114", "dBm", -200, 0, "noise power"),
        new("pmaxDbm", SettingKind.Number, "38", "dBm", -50, 80, "largest transmit power"),
        new("largeScaleSlots", SettingKind.Whole, "50", "slots", 1, 1_000_000, "slots between redraws of the receivers' positions"),
    ];

    /// <inheritdoc />
    public override string Name => "alcor-cellular";

    /// <inheritdoc />
    public override string Source => "paper 001 Sec. IV-B";

    /// <inheritdoc />
    public override string Summary => "7 hexagonal cells, Tx at centres, 3GPP path loss, CN(0,1) fading, slow large-scale redraws";

    /// <inheritdoc />
    public override IReadOnlyList<SettingDefinition> Settings => Definitions;

    /// <inheritdoc />
    public override NetworkConfiguration CreateConfiguration(ScenarioSettings settings, ulong seed, int index)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var links = settings.GetInt("links");
        var pmax = PathLoss.DbToLinear(settings.GetDouble("pmaxDbm"));
        var constants = new RadioConstants(PathLoss.DbToLinear(settings.GetDouble("noiseDbm")), pmax, links * pmax, "mW");
        return new Configuration(index, links, constants, ExpandDemands(settings, "demands", links), settings, seed);
    }

    /// <inheritdoc />
    protected override void Validate(ScenarioSettings settings)
    {
        ExpandDemands(settings, "demands", settings.GetInt("links"));
        if (settings.GetDouble("minDistance") >= settings.GetDouble("maxDistance"))
        {
            throw new RadioInputException("Setting 'minDistance' of scenario 'alcor-cellular' must be smaller than 'maxDistance'.");
        }
    }

    /// <summary>Cell centres of a 7-cell flat-topped hexagonal cluster with circumradius <paramref name="radius"/>.</summary>
    internal static Point2[] CellCentres(double radius)
    {
        var centres = new Point2[Cells];
        var spacing = Math.Sqrt(3) * radius;
        for (var k = 1; k < Cells; k++)
        {
            var angle = (Math.PI / 6) + ((k - 1) * Math.PI / 3);
            centres[k] = new Point2(spacing * Math.Cos(angle), spacing * Math.Sin(angle));
        }

        return centres;
    }

    /// <summary>True when <paramref name="offset"/> from a cell centre lies in the flat-topped hexagon of circumradius <paramref name="radius"/>.</summary>
    internal static bool InsideHexagon(Point2 offset, double radius)
    {
        var x = Math.Abs(offset.X);
        var y = Math.Abs(offset.Y);
        var sqrt3 = Math.Sqrt(3);
        return y <= sqrt3 / 2 * radius && (sqrt3 * x) + y <= sqrt3 * radius;
    }

    private sealed class Configuration : NetworkConfiguration
    {
        private readonly SeededRandom _layoutRandom;
        private readonly SeededRandom _channelRandom;
        private readonly double[] _largeScale;
        private readonly Point2[] _centres;
        private readonly double _minDistance;
        private readonly double _radius;
        private readonly double _intercept;
        private readonly double _slope;
        private readonly int _largeScaleSlots;

        public Configuration(int index, int links, RadioConstants constants, double[] demands, ScenarioSettings settings, ulong seed)
            : base(index, links, Enumerable.Range(0, links).ToArray(), oneToOne: true, constants, demands)
        {
            _minDistance = settings.GetDouble("minDistance");
            _radius = settings.GetDouble("maxDistance");
            _intercept = settings.GetDouble("pathLossIntercept");
            _slope = settings.GetDouble("pathLossSlope");
            _largeScaleSlots = settings.GetInt("largeScaleSlots");
            _layoutRandom = SeededRandom.ForStream(seed, RandomStreams.Layout, (ulong)index);
            _channelRandom = SeededRandom.ForStream(seed, RandomStreams.Channel, (ulong)index);
            _centres = CellCentres(_radius);
            _largeScale = new double[links * links];
            TransmitterPositions = Enumerable.Range(0, links).Select(i => _centres[i % Cells]).ToArray();
            ReceiverPositions = new Point2[links];
            DrawReceivers();
        }

        protected override void AdvanceCore(int slot)
        {
            if (slot > 0 && slot % _largeScaleSlots == 0)
            {
                DrawReceivers();
            }

            var values = Gains.Values;
            for (var i = 0; i < values.Length; i++)
            {
                var (re, im) = _channelRandom.NextComplexGaussian();
                values[i] = ((re * re) + (im * im)) * _largeScale[i];
            }
        }

        private void DrawReceivers()
        {
            var receivers = ReceiverPositions!;
            var transmitters = TransmitterPositions!;
            for (var r = 0; r < receivers.Length; r++)
            {
                var centre = _centres[r % Cells];
                Point2 offset;
                do
                {
                    offset = new Point2(_layoutRandom.NextDouble(-_radius, _radius), _layoutRandom.NextDouble(-_radius, _radius));
                }
                while (!InsideHexagon(offset, _radius) || Math.Sqrt((offset.X * offset.X) + (offset.Y * offset.Y)) < _minDistance);

                receivers[r] = new Point2(centre.X + offset.X, centre.Y + offset.Y);
            }

            for (var r = 0; r < receivers.Length; r++)
            {
                for (var t = 0; t < transmitters.Length; t++)
                {
                    // Clip at 1 m: co-sited transmitters of other cells never come that close, but the law diverges at 0.
                    var distance = Math.Max(1, receivers[r].DistanceTo(transmitters[t]));
                    _largeScale[(r * transmitters.Length) + t] = PathLoss.DbToLinear(-PathLoss.CellularDb(distance, _intercept, _slope));
                }
            }

            ReceiversMoved = true;
        }
    }
}
