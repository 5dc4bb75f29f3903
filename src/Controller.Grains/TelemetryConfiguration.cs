using System.Numerics;
using Controller.Radio.Channels;
using Controller.Radio.Isac;
using Controller.Radio.Scenarios;
using Controller.Ran.Contract;

namespace Controller.Grains;

/// <summary>
/// A region seen through its live telemetry, in the shape every policy decides on: the same
/// <see cref="NetworkConfiguration"/> that <c>controller eval</c> feeds from a scenario, here filled from the
/// last usable <see cref="RegionTelemetry"/> (gains, activity and effective demands). One instance per region
/// grain, reloaded each loop; it never advances by itself. In an ISAC region it also carries the ISAC model of the
/// sample (<see cref="Isac"/>): the reported channel estimates and target positions with the topology's arrays.
/// </summary>
public sealed class TelemetryConfiguration : NetworkConfiguration, IIsacConfiguration
{
    /// <summary>Sets up the static part from the region's topology (cells are transmitters, users receivers).</summary>
    public TelemetryConfiguration(RegionTopology topology)
        : base(
            index: 0,
            transmitters: (topology ?? throw new ArgumentNullException(nameof(topology))).CellIds.Count,
            servingTransmitter: [.. topology.ServingCell],
            oneToOne: IsOneToOne(topology),
            new RadioConstants(topology.Noise, topology.MaxPower, topology.EffectivePowerBudget, topology.PowerUnit),
            new double[topology.UserIds.Count])
    {
        Topology = topology;
        if (topology.Isac is { } isac)
        {
            var cells = topology.CellIds.Count;
            if (topology.CellPositions is not { } positions || positions.Count != cells || isac.ArrayFacing.Count != cells
                || isac.Reflection.Count != 2 * cells * isac.Targets || Enumerable.Range(1, topology.ServingCell.Count - 1).Any(u => topology.ServingCell[u] < topology.ServingCell[u - 1]))
            {
                throw new ArgumentException($"The ISAC topology of region '{topology.RegionId}' is inconsistent: it needs a position and array facing per cell, (re, im) per cell and target, and users listed cell by cell.", nameof(topology));
            }

            _stations = [.. positions.Select(p => new Point2(p.X, p.Y))];
            _usersPerCell = new int[cells];
            foreach (var cell in topology.ServingCell)
            {
                _usersPerCell[cell]++;
            }

            _reflection = new Complex[cells * isac.Targets];
            for (var i = 0; i < _reflection.Length; i++)
            {
                _reflection[i] = new Complex(isac.Reflection[2 * i], isac.Reflection[(2 * i) + 1]);
            }
        }
    }

    private readonly Point2[] _stations = [];
    private readonly int[] _usersPerCell = [];
    private readonly Complex[] _reflection = [];

    /// <summary>The region's topology.</summary>
    public RegionTopology Topology { get; }

    /// <inheritdoc />
    public IsacNetwork? Isac { get; private set; }

    /// <inheritdoc />
    public double RelativeError => Topology.Isac?.RelativeError ?? 0;

    /// <summary>Slot of the telemetry loaded last.</summary>
    public long TelemetrySlot { get; private set; } = -1;

    /// <summary>
    /// Loads a usable sample (checked with <see cref="TelemetryCheck"/> first): gains, activity, wake flags, and per user the
    /// demand override where one is set (NaN = none) or else the demand the RAN reports.
    /// </summary>
    public void Load(RegionTelemetry telemetry, ReadOnlySpan<double> demandOverrides)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        var users = Receivers;
        var cells = Transmitters;
        var values = Gains.Values;
        for (var u = 0; u < users; u++)
        {
            var row = telemetry.Gains[u];
            var target = values.Slice(u * cells, cells);
            if (row is double[] array)
            {
                array.AsSpan(0, cells).CopyTo(target);
            }
            else
            {
                for (var c = 0; c < cells; c++)
                {
                    target[c] = row[c];
                }
            }

            Active[u] = telemetry.Active[u];
        }

        for (var c = 0; c < cells; c++)
        {
            Awake[c] = telemetry.Awake is not { } awake || awake[c];
        }

        var demands = WritableDemands;
        for (var u = 0; u < users; u++)
        {
            var overridden = u < demandOverrides.Length ? demandOverrides[u] : double.NaN;
            demands[u] = double.IsNaN(overridden) ? telemetry.Demands[u] : overridden;
        }

        if (Topology.Isac is { } isac && telemetry.Isac is { } sample)
        {
            var channels = new Complex[sample.Channels.Count / 2];
            for (var i = 0; i < channels.Length; i++)
            {
                channels[i] = new Complex(sample.Channels[2 * i], sample.Channels[(2 * i) + 1]);
            }

            Isac = new IsacNetwork(
                isac.Antennas,
                _stations,
                [.. isac.ArrayFacing],
                _usersPerCell,
                [.. sample.Targets.Select(p => new Point2(p.X, p.Y))],
                channels,
                _reflection,
                Enumerable.Repeat(1.0, users).ToArray(),
                Enumerable.Repeat(Constants.MaxPower, cells).ToArray(),
                Constants.Noise,
                isac.SensingNoise,
                isac.Samples);
        }

        TelemetrySlot = telemetry.Slot;
    }

    /// <inheritdoc />
    protected override void AdvanceCore(int slot) =>
        throw new InvalidOperationException("A telemetry-fed configuration follows the RAN; load the next sample instead of advancing.");

    private static bool IsOneToOne(RegionTopology topology)
    {
        if (topology.CellIds.Count != topology.UserIds.Count)
        {
            return false;
        }

        for (var u = 0; u < topology.ServingCell.Count; u++)
        {
            if (topology.ServingCell[u] != u)
            {
                return false;
            }
        }

        return true;
    }
}
