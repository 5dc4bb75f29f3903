using System.Globalization;
using System.Text.Json;
using Controller.Host.Cli;
using Controller.Host.Hosting;

namespace Controller.Host.Benchmarks;

/// <summary>How <c>bench failover</c> prints its runs: one JSON object, or a line per run and a line of medians.</summary>
internal static class FailoverReport
{
    public static void Write(Utf8JsonWriter writer, FailoverSettings settings, IReadOnlyList<FailoverRun> runs)
    {
        writer.WriteStartObject();
        writer.WriteString("membership", settings.Cluster.Membership);
        writer.WriteBoolean("membershipFlags", LocalCluster.ClusterSiloFlags.Membership);
        writer.WriteNumber("controlSilos", settings.Cluster.ControlSilos);
        writer.WriteNumber("inferenceSilos", settings.Cluster.InferenceSilos);
        writer.WriteNumber("regions", settings.Cluster.Regions);
        writer.WriteNumber("periodMs", settings.Cluster.PeriodMs);
        writer.WriteNumber("warmupSeconds", settings.WarmupSeconds);
        writer.WriteNumber("processors", Environment.ProcessorCount);
        writer.WriteStartArray("runs");
        foreach (var run in runs)
        {
            WriteRun(writer, run);
        }

        writer.WriteEndArray();
        writer.WriteStartObject("median");
        writer.WriteNullableNumber("recoverySeconds", Round(FailoverAnalysis.Median(runs.Where(r => r.RecoverySeconds is not null).Select(r => r.RecoverySeconds!.Value))));
        writer.WriteNullableNumber("longestGapSeconds", Round(FailoverAnalysis.Median(runs.Select(r => r.LongestGapSeconds))));
        writer.WriteNullableNumber("loopsLost", FailoverAnalysis.Median(runs.Select(r => (double)r.LoopsLost)));
        writer.WriteNullableNumber("settingsLost", FailoverAnalysis.Median(runs.Select(r => (double)r.SettingsLost)));
        writer.WriteNullableNumber("overlaps", FailoverAnalysis.Median(runs.Select(r => (double)r.OverlapsTotal)));
        writer.WriteEndObject();
        writer.WriteNumber("runsNotRecovered", runs.Count(r => r.RecoverySeconds is null));
        writer.WriteEndObject();
    }

    public static string Line(FailoverRun run) => string.Create(CultureInfo.InvariantCulture,
        $"run {run.Run}: killed {run.Victim} ({run.VictimRegions} regions); every region again after {(run.RecoverySeconds is { } s ? $"{s:F2} s" : "never (timeout)")}; longest gap {run.LongestGapSeconds:F2} s; loops lost {run.LoopsLost}; settings lost {run.SettingsLost} of {run.Settings.Count}; overlaps {run.OverlapsTotal}{(run.Rebalance.Rebalanced is { } r ? $"; after restart {(r ? "rebalanced" : "not rebalanced")}" : "")}");

    public static string MedianLine(IReadOnlyList<FailoverRun> runs) => string.Create(CultureInfo.InvariantCulture,
        $"median of {runs.Count}: recovery {Format(FailoverAnalysis.Median(runs.Where(r => r.RecoverySeconds is not null).Select(r => r.RecoverySeconds!.Value)))} s, longest gap {Format(FailoverAnalysis.Median(runs.Select(r => r.LongestGapSeconds)))} s, loops lost {FailoverAnalysis.Median(runs.Select(r => (double)r.LoopsLost))}, settings lost {FailoverAnalysis.Median(runs.Select(r => (double)r.SettingsLost))}, overlaps {FailoverAnalysis.Median(runs.Select(r => (double)r.OverlapsTotal))}");

    private static void WriteRun(Utf8JsonWriter writer, FailoverRun run)
    {
        writer.WriteStartObject();
        writer.WriteNumber("run", run.Run);
        writer.WriteString("victim", run.Victim);
        writer.WriteString("victimController", run.VictimController);
        writer.WriteNumber("victimRegions", run.VictimRegions);
        writer.WriteString("killedAtUtc", run.KilledAtUtc);
        writer.WriteNullableNumber("recoverySeconds", Round(run.RecoverySeconds));
        writer.WriteNumber("longestGapSeconds", Round(run.LongestGapSeconds)!.Value);
        writer.WriteNumber("loopsLost", run.LoopsLost);
        writer.WriteNumber("overlapsAfterKill", run.Overlaps);
        writer.WriteNumber("overlaps", run.OverlapsTotal);
        writer.WriteNumber("settingsLost", run.SettingsLost);
        writer.WriteStartArray("settings");
        foreach (var setting in run.Settings)
        {
            writer.WriteStartObject();
            writer.WriteString("kind", setting.Kind);
            writer.WriteString("target", setting.Target);
            writer.WriteString("set", setting.Set);
            writer.WriteString("readBack", setting.ReadBack);
            writer.WriteBoolean("lost", setting.Lost);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("regions");
        foreach (var region in run.Regions)
        {
            writer.WriteStartObject();
            writer.WriteString("regionId", region.RegionId);
            writer.WriteString("controllerBefore", region.ControllerBefore);
            writer.WriteString("controllerAfter", region.ControllerAfter);
            writer.WriteBoolean("affected", region.Affected);
            writer.WriteNullableNumber("resumedAfterSeconds", Round(region.ResumedAfterSeconds));
            writer.WriteNumber("longestGapSeconds", Round(region.LongestGapSeconds)!.Value);
            writer.WriteNumber("loopsLost", region.LoopsLost);
            writer.WriteNumber("overlaps", region.Overlaps);
            writer.WriteNumber("decisionsAfterKill", region.DecisionsAfterKill);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartObject("rebalance");
        WriteCounts(writer, "beforeKill", run.Rebalance.BeforeKill);
        WriteCounts(writer, "afterFailover", run.Rebalance.AfterFailover);
        if (run.Rebalance.AfterRestart is { } after)
        {
            WriteCounts(writer, "afterRestart", after);
        }
        else
        {
            writer.WriteNull("afterRestart");
        }

        if (run.Rebalance.Rebalanced is { } rebalanced)
        {
            writer.WriteBoolean("rebalanced", rebalanced);
        }
        else
        {
            writer.WriteNull("rebalanced");
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteCounts(Utf8JsonWriter writer, string name, IReadOnlyDictionary<string, int> counts)
    {
        writer.WriteStartObject(name);
        foreach (var (controller, regions) in counts)
        {
            writer.WriteNumber(controller, regions);
        }

        writer.WriteEndObject();
    }

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 3) : null;

    private static string Format(double? value) => value is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "n/a";
}
