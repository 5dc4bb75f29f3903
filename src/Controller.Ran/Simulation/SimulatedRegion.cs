using System.Globalization;
using Controller.Radio.Allocation;
using Controller.Radio.Channels;
using Controller.Radio.Isac;
using Controller.Radio.Scenarios;
using Controller.Ran.Contract;

namespace Controller.Ran.Simulation;

/// <summary>A scheduled demand change resolved to a user index of one region.</summary>
internal readonly record struct ScheduledDemand(long Slot, int User, double Demand);

/// <summary>
/// One region of the simulator: a scenario configuration whose channel moves to its next slot each time a
/// decision is applied. Every member takes the region's lock, so different regions run concurrently and calls
/// on one region are serialized.
/// </summary>
/// <remarks>
/// Telemetry is an immutable snapshot per slot, built on the slot's first pull: later pulls within the slot
/// return the same instance (no allocation), and nothing a caller received is ever written again. A demand
/// change replaces the demands array (copy on write) and drops the snapshot, rebuilt on the next pull.
/// </remarks>
internal sealed class SimulatedRegion
{
    // Policies that compute powers in floating point may land a rounding error above Pmax; that is not a
    // different decision, so it is accepted and applied as Pmax.
    private const double PowerTolerance = 1e-9;

    private readonly Lock _gate = new();
    private readonly NetworkConfiguration _configuration;
    private readonly TimeProvider _time;
    private readonly int[] _served;
    private readonly double[] _power;
    private readonly double _maxPower;
    private readonly double _noise;
    private readonly string _powerUnit;
    private ScheduledDemand[] _schedule = [];
    private int _nextScheduled;
    private long _slot;
    private double[] _demands;
    // The current slot's telemetry is built on its first pull and dropped when a decision ends the slot, so that
    // a caller's sample lives from pull to push (one loop) instead of a whole period: per-slot garbage then dies
    // young, which keeps the controller's GC pauses short when the simulator runs in its process.
    private RegionTelemetry? _telemetry;
    private DateTimeOffset _timestamp;
    private readonly double[] _rates;
    // The previous slot as values, for the late-sample fault.
    private readonly GainMatrix _previousGains;
    private readonly bool[] _previousActive;
    private readonly double[] _previousRates;
    private double[] _previousDemands = [];
    private DateTimeOffset _previousTimestamp;
    private bool _hasPrevious;
    private RanFaultKind _fault;
    private int _faultPullsLeft;
    // ISAC regions (the isac scenario): the full model of each slot, and the previous slot's for the late-sample fault.
    private readonly IsacScenario.IsacConfiguration? _isac;
    private IsacTelemetry? _previousIsac;

    public SimulatedRegion(string id, string scenario, NetworkConfiguration configuration, TimeProvider time)
    {
        _configuration = configuration;
        _time = time;
        configuration.Advance();
        var constants = configuration.Constants;
        _maxPower = constants.MaxPower;
        _noise = constants.Noise;
        _powerUnit = constants.PowerUnit;
        _served = new int[configuration.Transmitters];
        _power = new double[configuration.Transmitters];
        var cells = new string[configuration.Transmitters];
        for (var c = 0; c < cells.Length; c++)
        {
            cells[c] = RanIds.Cell(id, c);
        }

        var users = new string[configuration.Receivers];
        for (var u = 0; u < users.Length; u++)
        {
            users[u] = RanIds.User(id, u);
        }

        _isac = configuration as IsacScenario.IsacConfiguration;
        Topology = new RegionTopology(id, scenario, cells, users, configuration.ServingTransmitter.ToArray(), _noise, _maxPower, _powerUnit, constants.PowerBudget,
            Positions(configuration.TransmitterPositions), Positions(configuration.ReceiverPositions), _isac is null ? null : IsacTopologyOf(_isac));
        _demands = configuration.Demands.ToArray();
        _rates = new double[users.Length];
        _previousRates = new double[users.Length];
        _previousActive = new bool[users.Length];
        _previousGains = new GainMatrix(configuration.Receivers, configuration.Transmitters);
        _timestamp = time.GetUtcNow();
    }

    public string Id => Topology.RegionId;

    private static Position[]? Positions(Point2[]? points) => points?.Select(p => new Position(p.X, p.Y)).ToArray();

    public RegionTopology Topology { get; }

    public int Users => Topology.UserIds.Count;

    /// <summary>Installs the demand schedule (sorted by slot, stable) and applies entries already due.</summary>
    public void UseSchedule(ScheduledDemand[] schedule)
    {
        lock (_gate)
        {
            _schedule = schedule;
            _nextScheduled = 0;
            if (ApplyDueDemands())
            {
                _telemetry = null;
            }
        }
    }

    public RegionTelemetry Pull()
    {
        lock (_gate)
        {
            var current = _telemetry ??= Build(_slot, _timestamp, _configuration.Gains, _configuration.Active, _rates, _demands) with
            {
                Awake = Array.IndexOf(_configuration.Awake, false) >= 0 ? [.. _configuration.Awake] : null,
                Isac = _isac is null ? null : IsacTelemetryOf(_isac.Network),
            };
            if (_faultPullsLeft == 0)
            {
                return current;
            }

            _faultPullsLeft--;
            var rows = (double[][])current.Gains;
            return _fault switch
            {
                RanFaultKind.NanGains => WithFirstGain(current, double.NaN),
                RanFaultKind.NegativeGains => WithFirstGain(current, -(Math.Abs(rows[0][Topology.ServingCell[0]]) + double.Epsilon)),
                RanFaultKind.MissingGains => current with { Gains = rows[..^1] },
                RanFaultKind.UnknownIds => WithExtraUser(current),
                RanFaultKind.LateSample => _hasPrevious
                    ? Build(_slot - 1, _previousTimestamp, _previousGains, _previousActive, _previousRates, _previousDemands) with { Isac = _previousIsac }
                    : current with { Slot = _slot - 1, Timestamp = current.Timestamp - TimeSpan.FromSeconds(1) },
                _ => throw Unavailable(),
            };
        }
    }

    public DecisionReceipt Apply(RegionDecision decision)
    {
        lock (_gate)
        {
            if (_faultPullsLeft > 0 && _fault == RanFaultKind.Unavailable)
            {
                throw Unavailable();
            }

            Validate(decision);
            var rates = new double[Users];
            IsacReceipt? isac = null;
            if (_isac is null)
            {
                Sinr.ComputeRates(_configuration.Gains, _served, _power, _noise, rates);
            }
            else
            {
                isac = ApplyIsac(decision, rates);
                _previousIsac = IsacTelemetryOf(_isac.Network);
            }

            var applied = _slot;
            _configuration.Gains.CopyTo(_previousGains);
            _configuration.Active.CopyTo(_previousActive, 0);
            _rates.CopyTo(_previousRates, 0);
            _previousDemands = _demands;
            _previousTimestamp = _timestamp;
            _hasPrevious = true;
            _configuration.Advance();
            _slot++;
            ApplyDueDemands();
            rates.CopyTo(_rates, 0);
            _timestamp = _time.GetUtcNow();
            _telemetry = null;
            return new DecisionReceipt(applied, rates, isac);
        }
    }

    public void SetDemand(int user, double demand)
    {
        lock (_gate)
        {
            var demands = (double[])_demands.Clone();
            demands[user] = demand;
            _demands = demands;
            _telemetry = null;
        }
    }

    public void InjectFault(RanFaultKind kind, int pulls)
    {
        lock (_gate)
        {
            _fault = kind;
            _faultPullsLeft = pulls;
        }
    }

    public void ClearFault()
    {
        lock (_gate)
        {
            _faultPullsLeft = 0;
        }
    }

    /// <summary>A telemetry snapshot: fresh arrays the caller may keep (demands are shared, copy on write).</summary>
    private RegionTelemetry Build(long slot, DateTimeOffset timestamp, GainMatrix gains, bool[] active, double[] rates, double[] demands)
    {
        var rows = new double[gains.Receivers][];
        for (var u = 0; u < rows.Length; u++)
        {
            rows[u] = gains.Row(u).ToArray();
        }

        return new RegionTelemetry(Id, slot, timestamp, rows, active.ToArray(), rates.ToArray(), demands);
    }

    /// <summary>Applies scheduled changes due at the current slot; true when any was.</summary>
    private bool ApplyDueDemands()
    {
        if (_nextScheduled >= _schedule.Length || _schedule[_nextScheduled].Slot > _slot)
        {
            return false;
        }

        var demands = (double[])_demands.Clone();
        while (_nextScheduled < _schedule.Length && _schedule[_nextScheduled].Slot <= _slot)
        {
            var change = _schedule[_nextScheduled++];
            demands[change.User] = change.Demand;
        }

        _demands = demands;
        return true;
    }

    private void Validate(RegionDecision decision)
    {
        if (decision.Slot != _slot)
        {
            throw new RanRejectedException(
                RanRejection.WrongSlot,
                Invariant($"The decision is for slot {decision.Slot} but region '{Id}' is at slot {_slot}; pull its telemetry again."));
        }

        var cells = _served.Length;
        if (decision.Power is null || decision.Power.Count != cells)
        {
            throw Invalid($"The decision for region '{Id}' has {decision.Power?.Count ?? 0} powers; the region has {cells} cells.");
        }

        if (decision.ServedUser is null || decision.ServedUser.Count != cells)
        {
            throw Invalid($"The decision for region '{Id}' has {decision.ServedUser?.Count ?? 0} served users; the region has {cells} cells.");
        }

        if (decision.Beams is { } beams)
        {
            ValidateBeams(beams);
        }

        var serving = Topology.ServingCell;
        var active = _configuration.Active;
        for (var c = 0; c < cells; c++)
        {
            var power = decision.Power[c];
            var user = decision.ServedUser[c];
            if (!double.IsFinite(power) || power < 0 || power > _maxPower * (1 + PowerTolerance))
            {
                throw Invalid($"Power of cell '{Topology.CellIds[c]}' is {power:R}; it must be a finite number in [0, {_maxPower:G10}]{Unit}.");
            }

            if (user == -1)
            {
                if (power != 0)
                {
                    throw Invalid($"Cell '{Topology.CellIds[c]}' serves no user (-1) but has power {power:R}; a cell without a user must have power 0.");
                }
            }
            else if (user < -1 || user >= active.Length)
            {
                throw Invalid($"Cell '{Topology.CellIds[c]}' serves user index {user}; it must be -1 (none) or in [0, {active.Length - 1}].");
            }
            else if (serving[user] != c)
            {
                throw Invalid($"Cell '{Topology.CellIds[c]}' serves user '{Topology.UserIds[user]}', which is associated with cell '{Topology.CellIds[serving[user]]}'.");
            }
            else if (!active[user])
            {
                throw Invalid($"Cell '{Topology.CellIds[c]}' serves user '{Topology.UserIds[user]}', which is not active in slot {_slot}.");
            }

            _power[c] = Math.Min(power, _maxPower);
            _served[c] = user;
        }
    }

    private string Unit => _powerUnit.Length > 0 ? " " + _powerUnit : string.Empty;

    /// <summary>
    /// The slot under an ISAC design: the decision's beams (checked by <see cref="ValidateBeams"/>) or, for a power-only
    /// decision, matched-filter beams at its powers; rates under the true channel and the CRLB at the targets' positions.
    /// </summary>
    private IsacReceipt ApplyIsac(RegionDecision decision, double[] rates)
    {
        var network = _isac!.Network;
        var design = decision.Beams is { } beams ? Flatten(network, beams) : IsacSlot.MatchedBeams(network, _power, _served);
        var report = IsacSlot.Evaluate(network, design, _isac.ChannelErrors);
        report.Rates.CopyTo(rates, 0);
        return new IsacReceipt(report.TargetCrlb, report.Crlb, report.NominalWsr, report.TrueWsr, [.. network.TargetPositions.Select(p => new Position(p.X, p.Y))], decision.Beams is not null);
    }

    private static double[] Flatten(IsacNetwork network, IReadOnlyList<IReadOnlyList<double>> beams)
    {
        var design = new double[network.BeamLength];
        for (var l = 0; l < network.BaseStations; l++)
        {
            var (start, _) = network.BeamBlock(l);
            for (var i = 0; i < beams[l].Count; i++)
            {
                design[start + i] = beams[l][i];
            }
        }

        return design;
    }

    /// <summary>Beams at the RAN boundary: one block per cell of 2 N (K_l + N) finite numbers whose squared norm is within the cell's budget.</summary>
    private void ValidateBeams(IReadOnlyList<IReadOnlyList<double>> beams)
    {
        if (_isac is null)
        {
            throw Invalid($"The decision for region '{Id}' carries beams, but the region runs scenario '{Topology.Scenario}', whose cells transmit powers only; send no beams.");
        }

        var network = _isac.Network;
        if (beams.Count != network.BaseStations)
        {
            throw Invalid($"The decision for region '{Id}' has beams for {beams.Count} cells; the region has {network.BaseStations} cells.");
        }

        for (var l = 0; l < beams.Count; l++)
        {
            var block = beams[l];
            var (_, length) = network.BeamBlock(l);
            if (block is null || block.Count != length)
            {
                throw Invalid($"Beams of cell '{Topology.CellIds[l]}' have {block?.Count ?? 0} numbers; it needs {length}: {network.Antennas} antennas x ({network.UsersPerCell[l]} user beams + {network.Antennas} sensing columns), each entry as (re, im).");
            }

            var power = 0.0;
            for (var i = 0; i < block.Count; i++)
            {
                if (!double.IsFinite(block[i]))
                {
                    throw Invalid($"Beams of cell '{Topology.CellIds[l]}' have {block[i]:R} at position {i}; every number must be finite.");
                }

                power += block[i] * block[i];
            }

            if (power > _maxPower * (1 + PowerTolerance))
            {
                throw Invalid($"Beams of cell '{Topology.CellIds[l]}' transmit {power:G10}{Unit}, above the cell's budget of {_maxPower:G10}{Unit} (the squared norm of its block).");
            }
        }
    }

    private static IsacTopology IsacTopologyOf(IsacScenario.IsacConfiguration configuration)
    {
        var network = configuration.Network;
        var reflection = new double[2 * network.BaseStations * network.Targets];
        for (var l = 0; l < network.BaseStations; l++)
        {
            for (var j = 0; j < network.Targets; j++)
            {
                var alpha = network.Reflection(l, j);
                reflection[2 * ((l * network.Targets) + j)] = alpha.Real;
                reflection[(2 * ((l * network.Targets) + j)) + 1] = alpha.Imaginary;
            }
        }

        return new IsacTopology(network.Antennas, [.. network.ArrayFacing], network.Targets, reflection, network.SensingNoise, network.Samples, configuration.RelativeError);
    }

    private static IsacTelemetry IsacTelemetryOf(IsacNetwork network)
    {
        var channels = new double[network.ErrorLength];
        for (var l = 0; l < network.BaseStations; l++)
        {
            for (var u = 0; u < network.Users; u++)
            {
                for (var n = 0; n < network.Antennas; n++)
                {
                    var h = network.ChannelEstimate(l, u, n);
                    var index = network.ErrorIndex(l, u, n);
                    channels[index] = h.Real;
                    channels[index + 1] = h.Imaginary;
                }
            }
        }

        return new IsacTelemetry(channels, [.. network.TargetPositions.Select(p => new Position(p.X, p.Y))]);
    }

    private RegionTelemetry WithFirstGain(RegionTelemetry current, double value)
    {
        var rows = (double[][])((double[][])current.Gains).Clone();
        rows[0] = (double[])rows[0].Clone();
        rows[0][Topology.ServingCell[0]] = value;
        return current with { Gains = rows };
    }

    private static RegionTelemetry WithExtraUser(RegionTelemetry current)
    {
        var gains = (double[][])current.Gains;
        var rows = new double[gains.Length + 1][];
        gains.CopyTo(rows, 0);
        rows[^1] = (double[])gains[^1].Clone();
        return current with
        {
            Gains = rows,
            Active = [.. current.Active, true],
            Rates = [.. current.Rates, 0.0],
            Demands = [.. current.Demands, 0.0],
        };
    }

    private RanUnavailableException Unavailable() =>
        new($"Region '{Id}' is unavailable (injected fault, {_faultPullsLeft} more pulls).");

    private static RanRejectedException Invalid(FormattableString message) => new(RanRejection.InvalidRequest, Invariant(message));

    private static string Invariant(FormattableString message) => message.ToString(CultureInfo.InvariantCulture);
}
