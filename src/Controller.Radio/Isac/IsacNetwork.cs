using System.Numerics;
using Controller.Radio.Channels;

namespace Controller.Radio.Isac;

/// <summary>
/// One networked ISAC instance of paper 002 (system model, eqs. 2-10): L base stations with N-antenna
/// half-wavelength ULAs, K_l single-antenna users per base station, J point targets; every base station
/// transmits and every base station receives the echoes. Holds what the base stations know (the channel
/// estimates, the target geometry and reflection coefficients that the CRLB is evaluated at) and the constants.
/// Powers are in mW, beams in sqrt(mW); channels are amplitude gains.
/// </summary>
/// <remarks>
/// The transmit design is one real vector (the paper's gamma): for each base station l its N x (K_l + N)
/// complex matrix, column by column, each entry as (real, imaginary). Columns 0..K_l-1 are the user beams
/// v_{l,i}; the last N columns are a factor B_l of the sensing covariance, Q_{l,0} = B_l B_l^H, which keeps
/// Q positive semidefinite without a constraint and gives Tr(Q) = ||B||_F^2. A channel error (the paper's
/// delta) is one real vector with, for each base station l and each user u, the N complex entries of
/// Delta_{l,u} (eq. 6).
/// </remarks>
public sealed class IsacNetwork
{
    private readonly Complex[] _channels;
    private readonly Complex[] _reflection;
    private readonly int[] _cell;
    private readonly int[] _column;
    private readonly int[] _beamOffset;
    private (Complex[][] Derivatives, int[] Parameters)[]? _paths;

    /// <summary>Creates an instance; <paramref name="channelEstimates"/> is indexed [(l * users + u) * N + n].</summary>
    public IsacNetwork(
        int antennas,
        Point2[] baseStations,
        double[] arrayFacing,
        int[] usersPerCell,
        Point2[] targets,
        Complex[] channelEstimates,
        Complex[] reflection,
        double[] weights,
        double[] powerBudgets,
        double noise,
        double sensingNoise,
        int samples)
    {
        ArgumentNullException.ThrowIfNull(baseStations);
        ArgumentNullException.ThrowIfNull(arrayFacing);
        ArgumentNullException.ThrowIfNull(usersPerCell);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(channelEstimates);
        ArgumentNullException.ThrowIfNull(reflection);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(powerBudgets);
        Antennas = antennas;
        BaseStations = baseStations.Length;
        Users = usersPerCell.Sum();
        Targets = targets.Length;
        if (antennas < 1 || BaseStations < 1 || arrayFacing.Length != BaseStations || usersPerCell.Length != BaseStations
            || channelEstimates.Length != BaseStations * Users * antennas || reflection.Length != BaseStations * Targets
            || weights.Length != Users || powerBudgets.Length != BaseStations || noise <= 0 || sensingNoise <= 0 || samples < 1)
        {
            throw new ArgumentException("inconsistent ISAC instance: check the sizes of channels, reflection, weights and budgets");
        }

        BaseStationPositions = baseStations;
        ArrayFacing = arrayFacing;
        UsersPerCell = usersPerCell;
        TargetPositions = targets;
        _channels = channelEstimates;
        _reflection = reflection;
        Weights = weights;
        PowerBudgets = powerBudgets;
        Noise = noise;
        SensingNoise = sensingNoise;
        Samples = samples;
        _cell = new int[Users];
        _column = new int[Users];
        _beamOffset = new int[BaseStations + 1];
        var user = 0;
        for (var l = 0; l < BaseStations; l++)
        {
            for (var i = 0; i < usersPerCell[l]; i++, user++)
            {
                _cell[user] = l;
                _column[user] = i;
            }

            _beamOffset[l + 1] = _beamOffset[l] + (2 * antennas * Columns(l));
        }
    }

    /// <summary>
    /// <see cref="IsacSensing.PathDerivatives"/> of (transmitter, target, receiver), computed once per instance: they depend
    /// on the geometry only (positions, arrays, reflections), which an instance never changes, while the Fisher
    /// information and its gradient need them at every evaluation of a design (hundreds per solve). Read-only to callers.
    /// </summary>
    internal (Complex[][] Derivatives, int[] Parameters) Path(int transmitter, int target, int receiver)
    {
        var paths = LazyInitializer.EnsureInitialized(ref _paths, () =>
        {
            var all = new (Complex[][] Derivatives, int[] Parameters)[BaseStations * Targets * BaseStations];
            for (var l = 0; l < BaseStations; l++)
            {
                for (var j = 0; j < Targets; j++)
                {
                    for (var m = 0; m < BaseStations; m++)
                    {
                        all[(((l * Targets) + j) * BaseStations) + m] = IsacSensing.PathDerivatives(this, l, j, m);
                    }
                }
            }

            return all;
        });
        return paths[(((transmitter * Targets) + target) * BaseStations) + receiver];
    }

    /// <summary>N, antennas per base station.</summary>
    public int Antennas { get; }

    /// <summary>L, base stations (each also an echo receiver).</summary>
    public int BaseStations { get; }

    /// <summary>Users over all cells.</summary>
    public int Users { get; }

    /// <summary>J, point targets.</summary>
    public int Targets { get; }

    /// <summary>K_l per base station.</summary>
    public IReadOnlyList<int> UsersPerCell { get; }

    /// <summary>Base station positions (m).</summary>
    public IReadOnlyList<Point2> BaseStationPositions { get; }

    /// <summary>Direction of each array's broadside (radians from the x axis); angles of departure and arrival are measured from it.</summary>
    public IReadOnlyList<double> ArrayFacing { get; }

    /// <summary>Target positions p_j (m), the point at which the CRLB is evaluated.</summary>
    public IReadOnlyList<Point2> TargetPositions { get; }

    /// <summary>alpha_{c,k}, the weight of each user's rate in the WSR (eq. 7).</summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>P_l, each base station's power budget (mW, eq. 3).</summary>
    public IReadOnlyList<double> PowerBudgets { get; }

    /// <summary>sigma^2_{c,k}, noise power at every user (mW).</summary>
    public double Noise { get; }

    /// <summary>sigma^2_{r,m}, noise power per antenna at every echo receiver (mW).</summary>
    public double SensingNoise { get; }

    /// <summary>T, snapshots in one sensing block (eq. 9).</summary>
    public int Samples { get; }

    /// <summary>Length of a transmit design vector (gamma).</summary>
    public int BeamLength => _beamOffset[BaseStations];

    /// <summary>Length of a channel-error vector (delta).</summary>
    public int ErrorLength => 2 * BaseStations * Users * Antennas;

    /// <summary>The most transmit columns of any base station.</summary>
    public int MaxColumns => UsersPerCell.Max() + Antennas;

    /// <summary>Transmit columns of base station l: K_l user beams and N sensing columns.</summary>
    public int Columns(int baseStation) => UsersPerCell[baseStation] + Antennas;

    /// <summary>The serving base station of user u.</summary>
    public int Cell(int user) => _cell[user];

    /// <summary>The column (beam index i) of user u at its serving base station.</summary>
    public int BeamColumn(int user) => _column[user];

    /// <summary>Index in gamma of the real part of antenna n of column c of base station l (the imaginary part follows).</summary>
    public int BeamIndex(int baseStation, int column, int antenna) => _beamOffset[baseStation] + (2 * ((column * Antennas) + antenna));

    /// <summary>Start and length in gamma of base station l's block.</summary>
    public (int Start, int Length) BeamBlock(int baseStation) => (_beamOffset[baseStation], _beamOffset[baseStation + 1] - _beamOffset[baseStation]);

    /// <summary>Index in delta of the real part of antenna n of Delta_{l,u} (the imaginary part follows).</summary>
    public int ErrorIndex(int baseStation, int user, int antenna) => 2 * ((((baseStation * Users) + user) * Antennas) + antenna);

    /// <summary>The estimate h~_{l,u}[n] of the channel from base station l to user u.</summary>
    public Complex ChannelEstimate(int baseStation, int user, int antenna) => _channels[(((baseStation * Users) + user) * Antennas) + antenna];

    /// <summary>The reflection coefficient alpha_{l,j} of the path from base station l via target j (to any receiver).</summary>
    public Complex Reflection(int baseStation, int target) => _reflection[(baseStation * Targets) + target];

    /// <summary>||h~_{l,u}||, the norm of one channel estimate.</summary>
    public double ChannelNorm(int baseStation, int user)
    {
        var sum = 0.0;
        for (var n = 0; n < Antennas; n++)
        {
            var h = ChannelEstimate(baseStation, user, n);
            sum += (h.Real * h.Real) + (h.Imaginary * h.Imaginary);
        }

        return Math.Sqrt(sum);
    }

    /// <summary>A copy with other target positions (the CRLB's evaluation point), all else shared.</summary>
    public IsacNetwork WithTargets(Point2[] targets) => new(
        Antennas, [.. BaseStationPositions], [.. ArrayFacing], [.. UsersPerCell], targets, _channels, _reflection, [.. Weights], [.. PowerBudgets], Noise, SensingNoise, Samples);

    /// <summary>A copy with other power budgets (mW), all else shared.</summary>
    public IsacNetwork WithPowerBudgets(double[] budgets) => new(
        Antennas, [.. BaseStationPositions], [.. ArrayFacing], [.. UsersPerCell], [.. TargetPositions], _channels, _reflection, [.. Weights], budgets, Noise, SensingNoise, Samples);

    /// <summary>Power sum_i ||v_{l,i}||^2 + Tr(Q_{l,0}) of base station l (eq. 3, left side).</summary>
    public double Power(ReadOnlySpan<double> beams, int baseStation)
    {
        var (start, length) = BeamBlock(baseStation);
        var sum = 0.0;
        foreach (var x in beams.Slice(start, length))
        {
            sum += x * x;
        }

        return sum;
    }

    /// <summary>A starting design within the budgets: half of each budget on matched-filter user beams, half as isotropic sensing.</summary>
    public double[] InitialBeams(double sensingShare = 0.5)
    {
        var beams = new double[BeamLength];
        for (var l = 0; l < BaseStations; l++)
        {
            var budget = PowerBudgets[l];
            var k = UsersPerCell[l];
            var userPower = k == 0 ? 0 : budget * (1 - sensingShare) / k;
            var sensingPower = k == 0 ? budget : budget * sensingShare;
            for (var u = 0; u < Users; u++)
            {
                if (_cell[u] != l)
                {
                    continue;
                }

                var scale = Math.Sqrt(userPower) / ChannelNorm(l, u);
                for (var n = 0; n < Antennas; n++)
                {
                    var h = ChannelEstimate(l, u, n);
                    var index = BeamIndex(l, _column[u], n);
                    beams[index] = h.Real * scale;
                    beams[index + 1] = h.Imaginary * scale;
                }
            }

            // B_l = sqrt(P_s / N) I: Q_{l,0} = (P_s / N) I.
            for (var n = 0; n < Antennas; n++)
            {
                beams[BeamIndex(l, k + n, n)] = Math.Sqrt(sensingPower / Antennas);
            }
        }

        return beams;
    }
}
