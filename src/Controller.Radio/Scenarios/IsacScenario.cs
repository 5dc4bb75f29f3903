using System.Globalization;
using System.Numerics;
using Controller.Radio.Channels;
using Controller.Radio.Isac;
using Controller.Radio.Randomness;

namespace Controller.Radio.Scenarios;

/// <summary>
/// Paper 002's experiments (networked ISAC): L base stations on a circle of radius 80 m around the origin, 120
/// degrees apart for L = 3 ((-40, 40 sqrt 3), (80, 0), (-40, -40 sqrt 3) m), each with an N-antenna half-wavelength
/// ULA facing the origin, K users per base station uniform in an annulus around it, J point targets ((2, 5) and
/// (-5, 1) m by default), Rayleigh channels h = sqrt(rho (d0 / d)^nu) CN(0, I) redrawn every slot, P = 40 dBm per
/// base station. The paper leaves rho, nu, the noise powers, T and the reflection coefficients open: the defaults
/// (-30 dB, 3, -80 dBm, 32 snapshots, |alpha|^2 = -127 dB, the two-way radar loss of a 1 m^2 target at 80 m and
/// 2.4 GHz) make the users interference-limited at 27-45 dB SNR and the CRLB a fraction of a square metre.
/// The full model of a slot is <see cref="IsacConfiguration.Network"/>; the gain matrix that every scenario fills
/// holds ||h_{l,u}||^2, the gain of a beam matched to user u, so power-only policies run on it too.
/// </summary>
public sealed class IsacScenario : Scenario
{
    private static readonly SettingDefinition[] Definitions =
    [
        new("baseStations", SettingKind.Whole, "3", "", 1, 16, "L, base stations (each transmits and receives echoes)"),
        new("antennas", SettingKind.Whole, "5", "", 1, 64, "N, antennas of each base station's ULA (half-wavelength spacing)"),
        new("users", SettingKind.Whole, "1", "", 1, 32, "K, single-antenna users per base station"),
        new("targets", SettingKind.Whole, "2", "", 1, 16, "J, point targets"),
        new("eps", SettingKind.Number, "0.05", "", 0, 0.5, "CSI error bound: ||Delta_{l,u}|| <= eps ||h~_{l,u}|| (relative to each estimate's norm)"),
        new("powerDbm", SettingKind.Number, "40", "dBm", -20, 60, "P_l, power budget of every base station"),
        new("noiseDbm", SettingKind.Number, "-80", "dBm", -150, 0, "sigma^2, noise power at each user"),
        new("sensingNoiseDbm", SettingKind.Number, "-80", "dBm", -150, 0, "sigma_r^2, noise power per antenna at each echo receiver"),
        new("samples", SettingKind.Whole, "32", "", 1, 100000, "T, snapshots per sensing block"),
        new("reflectionDb", SettingKind.Number, "-127", "dB", -250, 0, "|alpha_{l,j}|^2, two-way power gain of every echo path (phases are random)"),
        new("pathLossDb", SettingKind.Number, "-30", "dB", -100, 0, "rho, path loss at the reference distance d0 = 1 m"),
        new("pathLossExponent", SettingKind.Number, "3", "", 1, 6, "nu, path-loss exponent"),
        new("radius", SettingKind.Number, "80", "m", 1, 10000, "distance of every base station from the origin"),
        new("userMinDistance", SettingKind.Number, "10", "m", 1, 10000, "smallest user distance from its base station"),
        new("userMaxDistance", SettingKind.Number, "40", "m", 1, 10000, "largest user distance from its base station"),
        new("targetPositions", SettingKind.NumberList, "2,5,-5,1", "m", -10000, 10000, "x,y of the first targets; targets beyond the list are drawn uniformly in the disc of radius 10 m (or targetArea, if smaller) around the origin"),
        new("targetSpeed", SettingKind.Number, "0.05", "m/slot", 0, 5, "speed of every target; each moves at constant velocity (a seeded heading) and reflects off the walls of the target area"),
        new("targetArea", SettingKind.Number, "20", "m", 1, 10000, "half-width of the square around the origin the targets move in; below radius / sqrt 2, so no target reaches a base station"),
    ];

    /// <inheritdoc />
    public override string Name => "isac";

    /// <inheritdoc />
    public override string Source => "paper 002, Experiments";

    /// <inheritdoc />
    public override string Summary => "networked ISAC: L base stations with N-antenna ULAs, K users each, J targets, bounded CSI errors";

    /// <inheritdoc />
    public override IReadOnlyList<SettingDefinition> Settings => Definitions;

    /// <inheritdoc />
    public override int DefaultSlots => 10;

    /// <summary>The full ISAC model of configuration <paramref name="index"/> at its first slot.</summary>
    public IsacNetwork CreateNetwork(ScenarioSettings settings, ulong seed, int index)
    {
        var configuration = (IsacConfiguration)CreateConfiguration(settings, seed, index);
        configuration.Advance();
        return configuration.Network;
    }

    /// <inheritdoc />
    public override NetworkConfiguration CreateConfiguration(ScenarioSettings settings, ulong seed, int index)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new IsacConfiguration(index, settings, seed);
    }

    /// <inheritdoc />
    protected override void Validate(ScenarioSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.GetDouble("userMinDistance") > settings.GetDouble("userMaxDistance"))
        {
            throw new RadioInputException(string.Create(CultureInfo.InvariantCulture,
                $"Setting 'userMinDistance' of scenario '{Name}' ({settings.GetDouble("userMinDistance")} m) must not exceed 'userMaxDistance' ({settings.GetDouble("userMaxDistance")} m)."));
        }

        if (settings.GetList("targetPositions").Count % 2 != 0)
        {
            throw new RadioInputException($"Setting 'targetPositions' of scenario '{Name}' needs x,y pairs; it has {settings.GetList("targetPositions").Count} numbers.");
        }

        var area = settings.GetDouble("targetArea");
        if (area >= settings.GetDouble("radius") / Math.Sqrt(2))
        {
            throw new RadioInputException(string.Create(CultureInfo.InvariantCulture,
                $"Setting 'targetArea' of scenario '{Name}' ({area} m) must be below radius / sqrt 2 ({settings.GetDouble("radius") / Math.Sqrt(2):G4} m) so that no target reaches a base station."));
        }

        var listed = settings.GetList("targetPositions");
        for (var i = 0; i < listed.Count; i++)
        {
            if (Math.Abs(listed[i]) > area)
            {
                throw new RadioInputException(string.Create(CultureInfo.InvariantCulture,
                    $"Setting 'targetPositions' of scenario '{Name}' has {listed[i]} m; every coordinate must lie within the target area [-{area}, {area}] m ('targetArea')."));
            }
        }
    }

    /// <summary>One drawn ISAC network: fixed geometry and reflection coefficients, Rayleigh channels redrawn per slot.</summary>
    /// <remarks>
    /// Per slot (after the first) every target moves by its velocity (the 'targetSpeed' setting in m per slot, a
    /// heading drawn once per configuration from the mobility stream) and reflects off the walls of the square
    /// [-targetArea, targetArea]^2. The channels drawn per slot are the estimates h~ the base stations know; the true
    /// channel is h~ + Delta with Delta drawn uniformly in the ball ||Delta_{l,u}|| &lt;= eps ||h~_{l,u}|| from its own
    /// stream (<see cref="ChannelErrors"/>), so fading, targets and errors never depend on one another's draws.
    /// </remarks>
    public sealed class IsacConfiguration : NetworkConfiguration, IIsacConfiguration
    {
        private readonly SeededRandom _channelRandom;
        private readonly double[] _amplitude;
        private readonly Point2[] _stations;
        private readonly double[] _facing;
        private readonly int[] _usersPerCell;
        private readonly Point2[] _targets;
        private readonly Complex[] _reflection;
        private readonly int _antennas;
        private readonly double _power;
        private readonly double _sensingNoise;
        private readonly int _samples;
        private readonly SeededRandom _errorRandom;
        private readonly Point2[] _velocity;
        private readonly double _area;
        private readonly double _relativeError;
        private IsacNetwork? _network;
        private double[] _errors = [];

        internal IsacConfiguration(int index, ScenarioSettings settings, ulong seed)
            : this(index, settings, seed, settings.GetInt("baseStations"), settings.GetInt("users"))
        {
        }

        private IsacConfiguration(int index, ScenarioSettings settings, ulong seed, int stations, int users)
            : base(
                index,
                stations,
                [.. Enumerable.Range(0, stations * users).Select(u => u / users)],
                oneToOne: users == 1,
                new RadioConstants(PathLoss.DbToLinear(settings.GetDouble("noiseDbm")), PathLoss.DbToLinear(settings.GetDouble("powerDbm")), stations * PathLoss.DbToLinear(settings.GetDouble("powerDbm")), "mW"),
                new double[stations * users])
        {
            _antennas = settings.GetInt("antennas");
            _power = PathLoss.DbToLinear(settings.GetDouble("powerDbm"));
            _sensingNoise = PathLoss.DbToLinear(settings.GetDouble("sensingNoiseDbm"));
            _samples = settings.GetInt("samples");
            _usersPerCell = Enumerable.Repeat(users, stations).ToArray();
            var layout = SeededRandom.ForStream(seed, RandomStreams.Layout, (ulong)index);
            var radius = settings.GetDouble("radius");
            _stations = new Point2[stations];
            _facing = new double[stations];
            for (var l = 0; l < stations; l++)
            {
                // L = 3: 120, 0 and -120 degrees, the paper's (-40, 40 sqrt 3), (80, 0), (-40, -40 sqrt 3).
                var angle = (2 * Math.PI / 3) - (2 * Math.PI * l / stations);
                _stations[l] = new Point2(radius * Math.Cos(angle), radius * Math.Sin(angle));
                _facing[l] = Math.Atan2(-_stations[l].Y, -_stations[l].X);
            }

            var receivers = new Point2[stations * users];
            var near = settings.GetDouble("userMinDistance");
            var far = settings.GetDouble("userMaxDistance");
            for (var u = 0; u < receivers.Length; u++)
            {
                var station = _stations[u / users];
                var distance = Math.Sqrt(layout.NextDouble(near * near, far * far));
                var direction = layout.NextDouble(0, 2 * Math.PI);
                receivers[u] = new Point2(station.X + (distance * Math.Cos(direction)), station.Y + (distance * Math.Sin(direction)));
            }

            var count = settings.GetInt("targets");
            var listed = settings.GetList("targetPositions");
            _targets = new Point2[count];
            for (var j = 0; j < count; j++)
            {
                if ((2 * j) + 1 < listed.Count)
                {
                    _targets[j] = new Point2(listed[2 * j], listed[(2 * j) + 1]);
                }
                else
                {
                    // Within the target area too, where its moves keep it.
                    var distance = Math.Min(10, settings.GetDouble("targetArea")) * Math.Sqrt(layout.NextDouble());
                    var direction = layout.NextDouble(0, 2 * Math.PI);
                    _targets[j] = new Point2(distance * Math.Cos(direction), distance * Math.Sin(direction));
                }
            }

            var reflection = Math.Sqrt(PathLoss.DbToLinear(settings.GetDouble("reflectionDb")));
            _reflection = new Complex[stations * count];
            for (var i = 0; i < _reflection.Length; i++)
            {
                _reflection[i] = Complex.FromPolarCoordinates(reflection, layout.NextDouble(0, 2 * Math.PI));
            }

            TransmitterPositions = _stations;
            ReceiverPositions = receivers;
            var rho = PathLoss.DbToLinear(settings.GetDouble("pathLossDb"));
            var exponent = settings.GetDouble("pathLossExponent");
            _amplitude = new double[stations * receivers.Length];
            for (var l = 0; l < stations; l++)
            {
                for (var u = 0; u < receivers.Length; u++)
                {
                    var distance = Math.Max(1, _stations[l].DistanceTo(receivers[u]));
                    _amplitude[(l * receivers.Length) + u] = Math.Sqrt(rho * Math.Pow(distance, -exponent));
                }
            }

            _channelRandom = SeededRandom.ForStream(seed, RandomStreams.Channel, (ulong)index);
            _errorRandom = SeededRandom.ForStream(seed, RandomStreams.ChannelError, (ulong)index);
            _relativeError = settings.GetDouble("eps");
            _area = settings.GetDouble("targetArea");
            var speed = settings.GetDouble("targetSpeed");
            var mobility = SeededRandom.ForStream(seed, RandomStreams.Mobility, (ulong)index);
            _velocity = new Point2[count];
            for (var j = 0; j < count; j++)
            {
                var heading = mobility.NextDouble(0, 2 * Math.PI);
                _velocity[j] = new Point2(speed * Math.Cos(heading), speed * Math.Sin(heading));
            }
        }

        /// <summary>The ISAC model of the current slot (channel estimates of this slot); call <see cref="NetworkConfiguration.Advance"/> first.</summary>
        public IsacNetwork Network => _network ?? throw new InvalidOperationException("call Advance() before reading the network");

        /// <inheritdoc />
        public IsacNetwork? Isac => _network;

        /// <inheritdoc />
        public double RelativeError => _relativeError;

        /// <summary>Delta of the current slot (layout of <see cref="IsacNetwork.ErrorLength"/>): the true channel is the estimate plus this.</summary>
        public ReadOnlySpan<double> ChannelErrors => _errors;

        /// <summary>Where the targets are in the current slot (m).</summary>
        public IReadOnlyList<Point2> TargetPositions => _targets;

        /// <inheritdoc />
        protected override void AdvanceCore(int slot)
        {
            if (slot > 0)
            {
                MoveTargets();
            }

            var users = Receivers;
            var channels = new Complex[Transmitters * users * _antennas];
            for (var l = 0; l < Transmitters; l++)
            {
                for (var u = 0; u < users; u++)
                {
                    var amplitude = _amplitude[(l * users) + u];
                    var gain = 0.0;
                    for (var n = 0; n < _antennas; n++)
                    {
                        var (re, im) = _channelRandom.NextComplexGaussian();
                        var h = new Complex(re * amplitude, im * amplitude);
                        channels[(((l * users) + u) * _antennas) + n] = h;
                        gain += (h.Real * h.Real) + (h.Imaginary * h.Imaginary);
                    }

                    Gains[u, l] = gain;
                }
            }

            _network = new IsacNetwork(
                _antennas,
                _stations,
                _facing,
                _usersPerCell,
                [.. _targets],
                channels,
                _reflection,
                Enumerable.Repeat(1.0, users).ToArray(),
                Enumerable.Repeat(_power, Transmitters).ToArray(),
                Constants.Noise,
                _sensingNoise,
                _samples);
            _errors = DrawErrors(_network);
        }

        /// <summary>One step of constant velocity, reflected at the walls of the target area.</summary>
        private void MoveTargets()
        {
            for (var j = 0; j < _targets.Length; j++)
            {
                var (x, vx) = Reflect(_targets[j].X + _velocity[j].X, _velocity[j].X);
                var (y, vy) = Reflect(_targets[j].Y + _velocity[j].Y, _velocity[j].Y);
                _targets[j] = new Point2(x, y);
                _velocity[j] = new Point2(vx, vy);
            }
        }

        private (double Position, double Velocity) Reflect(double position, double velocity)
        {
            // A step is at most 5 m and the area at least 1 m wide on each side, so folding back a few times always ends inside.
            while (position > _area || position < -_area)
            {
                position = position > _area ? (2 * _area) - position : (-2 * _area) - position;
                velocity = -velocity;
            }

            return (position, velocity);
        }

        /// <summary>Delta uniform in each ball ||Delta_{l,u}|| &lt;= eps ||h~_{l,u}||: a Gaussian direction and radius eps ||h~|| U^(1 / 2N) (2N real dimensions).</summary>
        private double[] DrawErrors(IsacNetwork network)
        {
            var errors = new double[network.ErrorLength];
            var direction = new double[2 * _antennas];
            for (var l = 0; l < network.BaseStations; l++)
            {
                for (var u = 0; u < network.Users; u++)
                {
                    var norm = 0.0;
                    for (var n = 0; n < _antennas; n++)
                    {
                        var (re, im) = _errorRandom.NextComplexGaussian();
                        direction[2 * n] = re;
                        direction[(2 * n) + 1] = im;
                        norm += (re * re) + (im * im);
                    }

                    var radius = _relativeError * network.ChannelNorm(l, u) * Math.Pow(_errorRandom.NextDouble(), 1.0 / (2 * _antennas));
                    var scale = norm > 0 ? radius / Math.Sqrt(norm) : 0;
                    var start = network.ErrorIndex(l, u, 0);
                    for (var i = 0; i < direction.Length; i++)
                    {
                        errors[start + i] = direction[i] * scale;
                    }
                }
            }

            return errors;
        }
    }
}
