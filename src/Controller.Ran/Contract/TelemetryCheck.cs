using System.Globalization;

namespace Controller.Ran.Contract;

/// <summary>What is wrong with a telemetry sample.</summary>
public enum TelemetryDefect
{
    /// <summary>Nothing: the sample can be used.</summary>
    None,

    /// <summary>A gain, rate or demand is NaN or infinite.</summary>
    NonFiniteValue,

    /// <summary>A gain, rate or demand is negative.</summary>
    NegativeValue,

    /// <summary>Fewer gain rows, gains per row, activities, rates or demands than the topology has users and cells.</summary>
    MissingValues,

    /// <summary>The sample names another region, or carries users or cells the topology does not list.</summary>
    UnknownIds,

    /// <summary>The sample is older than one already used (slot or timestamp went back).</summary>
    Late,

    /// <summary>A value beyond its declared range (a demand above <see cref="RanLimits.MaxDemand"/>).</summary>
    OutOfRange,
}

/// <summary>The outcome of <see cref="TelemetryCheck.Check"/>.</summary>
/// <param name="Defect">What is wrong (<see cref="TelemetryDefect.None"/> when usable).</param>
/// <param name="Reason">One sentence naming the first offending value; empty when usable.</param>
public readonly record struct TelemetryVerdict(TelemetryDefect Defect, string Reason)
{
    /// <summary>
    /// True for a usable sample whose slot is below the expected one but whose timestamp is newer than the last
    /// sample's: the RAN restarted and numbers its slots from the start again. The caller starts counting slots
    /// anew from this sample (a late sample, by contrast, carries an older timestamp and is refused).
    /// </summary>
    public bool RanRestarted { get; init; }

    /// <summary>A usable sample.</summary>
    public static TelemetryVerdict Usable => new(TelemetryDefect.None, string.Empty);

    /// <summary>True when the sample can be used.</summary>
    public bool IsUsable => Defect == TelemetryDefect.None;
}

/// <summary>
/// Checks one region's telemetry against its topology before a controller acts on it: shape, finite and
/// non-negative values, and freshness. Whoever pulls telemetry calls it; a rejected sample is counted and the
/// last good decision is kept (issue 4, robustness).
/// </summary>
public static class TelemetryCheck
{
    /// <summary>
    /// Checks <paramref name="telemetry"/> of the region described by <paramref name="topology"/>.
    /// <paramref name="minimumSlot"/> is the oldest slot still acceptable (the slot after the last applied
    /// decision, or the last used slot when no decision was applied since); <paramref name="previousTimestamp"/>
    /// is the timestamp of the last used sample, if any. Never throws for bad content; allocates only for a defect's reason.
    /// </summary>
    public static TelemetryVerdict Check(RegionTopology topology, RegionTelemetry telemetry, long minimumSlot, DateTimeOffset? previousTimestamp)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(telemetry);
        var region = topology.RegionId;
        if (!string.Equals(telemetry.RegionId, region, StringComparison.Ordinal))
        {
            return Defect(TelemetryDefect.UnknownIds, $"Telemetry names region '{telemetry.RegionId}' but region '{region}' was pulled.");
        }

        var users = topology.UserIds.Count;
        var cells = topology.CellIds.Count;
        var shape = CheckCount(region, "gain rows", telemetry.Gains?.Count, users)
            ?? CheckCount(region, "activity flags", telemetry.Active?.Count, users)
            ?? CheckCount(region, "rates", telemetry.Rates?.Count, users)
            ?? CheckCount(region, "demands", telemetry.Demands?.Count, users)
            ?? (telemetry.Awake is null ? null : CheckCount(region, "wake flags", telemetry.Awake.Count, cells, "cells"));
        if (shape is { } shapeVerdict)
        {
            return shapeVerdict;
        }

        var restarted = false;
        if (telemetry.Slot < minimumSlot)
        {
            if (previousTimestamp is not { } last || telemetry.Timestamp <= last)
            {
                return Defect(TelemetryDefect.Late, $"Telemetry of region '{region}' is for slot {telemetry.Slot}; slot {minimumSlot} or later was expected.");
            }

            restarted = true;
        }

        if (previousTimestamp is { } previous && telemetry.Timestamp < previous)
        {
            return Defect(TelemetryDefect.Late, $"Telemetry of region '{region}' is stamped {telemetry.Timestamp:O}, before the previous sample ({previous:O}).");
        }

        var gains = telemetry.Gains!;
        for (var u = 0; u < users; u++)
        {
            var row = gains[u];
            if (row is null || row.Count < cells)
            {
                return Defect(TelemetryDefect.MissingValues, $"Telemetry of region '{region}' has {row?.Count ?? 0} gains for user '{topology.UserIds[u]}'; the topology lists {cells} cells.");
            }

            if (row.Count > cells)
            {
                return Defect(TelemetryDefect.UnknownIds, $"Telemetry of region '{region}' has {row.Count} gains for user '{topology.UserIds[u]}'; the topology lists {cells} cells.");
            }

            for (var c = 0; c < cells; c++)
            {
                if (CheckValue(row[c]) is { } defect)
                {
                    return Defect(defect, $"Gain from cell '{topology.CellIds[c]}' to user '{topology.UserIds[u]}' is {Format(row[c])}; gains must be finite and not negative.");
                }
            }
        }

        return CheckValues(topology, "Rate", telemetry.Rates!, double.PositiveInfinity)
            ?? CheckValues(topology, "Demand", telemetry.Demands!, RanLimits.MaxDemand)
            ?? CheckIsac(topology, telemetry)
            ?? (restarted ? TelemetryVerdict.Usable with { RanRestarted = true } : TelemetryVerdict.Usable);
    }

    private static TelemetryVerdict? CheckCount(string region, string what, int? count, int expected, string listed = "users")
    {
        if (count is null || count < expected)
        {
            return Defect(TelemetryDefect.MissingValues, $"Telemetry of region '{region}' has {count ?? 0} {what}; the topology lists {expected} {listed}.");
        }

        return count > expected
            ? Defect(TelemetryDefect.UnknownIds, $"Telemetry of region '{region}' has {count} {what}; the topology lists only {expected} {listed}.")
            : null;
    }

    private static TelemetryVerdict? CheckValues(RegionTopology topology, string what, IReadOnlyList<double> values, double maximum)
    {
        for (var u = 0; u < values.Count; u++)
        {
            if (CheckValue(values[u]) is { } defect)
            {
                return Defect(defect, $"{what} of user '{topology.UserIds[u]}' is {Format(values[u])}; it must be finite and not negative.");
            }

            if (values[u] > maximum)
            {
                return Defect(TelemetryDefect.OutOfRange, $"{what} of user '{topology.UserIds[u]}' is {Format(values[u])}; it must be at most {Format(maximum)}.");
            }
        }

        return null;
    }

    /// <summary>An ISAC region's channel vectors and target positions: present, of the topology's sizes, finite.</summary>
    private static TelemetryVerdict? CheckIsac(RegionTopology topology, RegionTelemetry telemetry)
    {
        var region = topology.RegionId;
        if (topology.Isac is not { } isac)
        {
            return telemetry.Isac is null ? null : Defect(TelemetryDefect.UnknownIds, $"Telemetry of region '{region}' carries ISAC channels, but its topology has no ISAC cells.");
        }

        if (telemetry.Isac is not { } sample || sample.Channels is null || sample.Targets is null)
        {
            return Defect(TelemetryDefect.MissingValues, $"Telemetry of region '{region}' has no ISAC channel vectors or target positions; its topology has ISAC cells.");
        }

        var channels = 2L * topology.CellIds.Count * topology.UserIds.Count * isac.Antennas;
        var shape = CheckCount(region, "ISAC channel numbers", sample.Channels.Count, (int)channels, "(re, im) per cell, user and antenna")
            ?? CheckCount(region, "target positions", sample.Targets.Count, isac.Targets, "targets");
        if (shape is { } verdict)
        {
            return verdict;
        }

        for (var i = 0; i < sample.Channels.Count; i++)
        {
            if (!double.IsFinite(sample.Channels[i]))
            {
                return Defect(TelemetryDefect.NonFiniteValue, $"ISAC channel number {i} of region '{region}' is {Format(sample.Channels[i])}; channels must be finite.");
            }
        }

        for (var j = 0; j < sample.Targets.Count; j++)
        {
            if (!double.IsFinite(sample.Targets[j].X) || !double.IsFinite(sample.Targets[j].Y))
            {
                return Defect(TelemetryDefect.NonFiniteValue, $"Target {j} of region '{region}' is at ({Format(sample.Targets[j].X)}, {Format(sample.Targets[j].Y)}); positions must be finite.");
            }
        }

        return null;
    }

    private static TelemetryDefect? CheckValue(double value) => !double.IsFinite(value)
        ? TelemetryDefect.NonFiniteValue
        : value < 0 ? TelemetryDefect.NegativeValue : null;

    private static TelemetryVerdict Defect(TelemetryDefect defect, string reason) => new(defect, reason);

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
