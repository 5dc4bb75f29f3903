using Controller.Radio.Scenarios;
using Controller.Ran.Contract;

namespace Controller.Grains;

/// <summary>
/// A region seen through its live telemetry, in the shape every policy decides on: the same
/// <see cref="NetworkConfiguration"/> that <c>controller eval</c> feeds from a scenario, here filled from the
/// last usable <see cref="RegionTelemetry"/> (gains, activity and effective demands). One instance per region
/// grain, reloaded each loop; it never advances by itself.
/// </summary>
public sealed class TelemetryConfiguration : NetworkConfiguration
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
    }

    /// <summary>The region's topology.</summary>
    public RegionTopology Topology { get; }

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
