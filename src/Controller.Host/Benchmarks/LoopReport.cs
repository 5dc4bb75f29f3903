using System.Globalization;
using System.Text.Json;
using Controller.Host.Cli;

namespace Controller.Host.Benchmarks;

/// <summary>
/// How <c>bench loop</c> prints what it measured: one JSON object (the policy's medians at the top level, as before
/// runs and baselines existed, then the baseline's medians, the ratios and every run), or a few lines.
/// </summary>
internal static class LoopReport
{
    public static void Write(Utf8JsonWriter writer, LoopBenchmarkResult result, LoopBenchmarkResult? baseline, IReadOnlyList<LoopBenchmarkResult> runs, IReadOnlyList<LoopBenchmarkResult> baselineRuns)
    {
        var settings = result.Settings;
        writer.WriteStartObject();
        writer.WriteString("scenario", settings.Scenario);
        if (!settings.IsIsac)
        {
            // The isac scenario's regions have their own cells and users; --cells and --users do not size them.
            writer.WriteNumber("cells", settings.Cells);
            writer.WriteNumber("users", settings.Users);
        }

        writer.WriteNumber("regions", settings.Regions);
        writer.WriteNumber("periodMs", settings.PeriodMs);
        writer.WriteString("policy", settings.Policy);
        writer.WriteString("inference", settings.ThroughInferenceGrains ? "silo" : "region");
        writer.WriteString("inferenceBackend", settings.InferenceBackend);
        writer.WriteNumber("processors", Environment.ProcessorCount);
        writer.WriteNumber("warmupSeconds", settings.WarmupSeconds);
        writer.WriteNumber("durationSeconds", settings.DurationSeconds);
        writer.WriteNumber("runs", runs.Count);
        WriteMeasured(writer, result);
        if (!settings.IsIsac)
        {
            writer.WriteNumber("targetUserUpdatesPerSecond", Math.Round(settings.Users * 1000.0 / settings.PeriodMs));
        }

        if (baseline is not null)
        {
            writer.WriteStartObject("baseline");
            writer.WriteString("policy", baseline.Settings.Policy);
            WriteMeasured(writer, baseline);
            writer.WriteEndObject();
            writer.WriteNullableNumber("p50Ratio", Math.Round(result.P50Ms / baseline.P50Ms, 3));
            writer.WriteNullableNumber("p99Ratio", Math.Round(result.P99Ms / baseline.P99Ms, 3));
        }

        WriteRuns(writer, "perRun", runs);
        if (baselineRuns.Count > 0)
        {
            WriteRuns(writer, "baselinePerRun", baselineRuns);
        }

        writer.WriteEndObject();
    }

    public static IEnumerable<string> Lines(LoopBenchmarkResult result, LoopBenchmarkResult? baseline)
    {
        var c = CultureInfo.InvariantCulture;
        var settings = result.Settings;
        var runs = string.Create(c, $"{settings.DurationSeconds:F0} s measured");
        yield return settings.IsIsac
            ? string.Create(c, $"{settings.Regions} isac regions, {settings.Policy} every {settings.PeriodMs} ms, {Environment.ProcessorCount} processors, {runs}")
            : string.Create(c, $"{settings.Cells} cells, {settings.Users} users in {settings.Regions} regions, {settings.Policy} every {settings.PeriodMs} ms, {Environment.ProcessorCount} processors, {runs}");
        foreach (var line in Measured(result))
        {
            yield return line;
        }

        if (!settings.IsIsac)
        {
            yield return string.Create(c, $"user updates  {result.UserUpdatesPerSecond:N0}/s (target {settings.Users * 1000.0 / settings.PeriodMs:N0}/s)");
        }

        yield return string.Create(c, $"cpu           {result.CpuPercent:F1} % of {Environment.ProcessorCount} cores");
        yield return string.Create(c, $"gc            {result.Gen0Collections} gen0, {result.Gen1Collections} gen1, {result.Gen2Collections} gen2 collections, {result.GcPauseMs:F0} ms paused");
        if (baseline is not null)
        {
            yield return $"baseline      {baseline.Settings.Policy}, same settings, runs interleaved";
            foreach (var line in Measured(baseline))
            {
                yield return "  " + line;
            }

            yield return string.Create(c, $"ratio         p50 {result.P50Ms / baseline.P50Ms:F2}x, p99 {result.P99Ms / baseline.P99Ms:F2}x the baseline's");
        }
    }

    private static IEnumerable<string> Measured(LoopBenchmarkResult result)
    {
        var c = CultureInfo.InvariantCulture;
        yield return string.Create(c, $"loop latency  p50 {result.P50Ms:F3} ms  p99 {result.P99Ms:F3} ms  max {result.MaxMs:F3} ms");
        yield return string.Create(c, $"loops         {result.Loops} ({result.LoopsPerSecond:F1}/s), overruns {result.Overruns}, failed {result.FailedLoops}");
        if (result.Isac is { } isac)
        {
            yield return string.Create(c, $"isac          iterations per loop mean {isac.MeanIterations:F1} (min {isac.MinIterations}, max {isac.MaxIterations}); true WSR {isac.MeanTrueWsr:F3} bps/Hz, CRLB {isac.MeanCrlb:F4} m^2 ({isac.Samples} region samples)");
        }
    }

    private static void WriteMeasured(Utf8JsonWriter writer, LoopBenchmarkResult result)
    {
        writer.WriteNumber("loops", result.Loops);
        writer.WriteNullableNumber("p50Ms", Math.Round(result.P50Ms, 3));
        writer.WriteNullableNumber("p99Ms", Math.Round(result.P99Ms, 3));
        writer.WriteNullableNumber("maxMs", Math.Round(result.MaxMs, 3));
        writer.WriteNumber("overruns", result.Overruns);
        writer.WriteNumber("failedLoops", result.FailedLoops);
        writer.WriteNumber("loopsPerSecond", Math.Round(result.LoopsPerSecond, 1));
        writer.WriteNumber("userUpdatesPerSecond", Math.Round(result.UserUpdatesPerSecond));
        writer.WriteNumber("cpuPercent", Math.Round(result.CpuPercent, 1));
        writer.WriteNumber("gen0Collections", result.Gen0Collections);
        writer.WriteNumber("gen1Collections", result.Gen1Collections);
        writer.WriteNumber("gen2Collections", result.Gen2Collections);
        writer.WriteNumber("gcPauseMs", Math.Round(result.GcPauseMs, 1));
        if (result.Isac is { } isac)
        {
            writer.WriteStartObject("isac");
            writer.WriteNumber("samples", isac.Samples);
            writer.WriteNullableNumber("meanIterations", Math.Round(isac.MeanIterations, 2));
            writer.WriteNumber("minIterations", isac.MinIterations);
            writer.WriteNumber("maxIterations", isac.MaxIterations);
            writer.WriteNullableNumber("meanTrueWsr", Math.Round(isac.MeanTrueWsr, 4));
            writer.WriteNullableNumber("meanCrlb", Math.Round(isac.MeanCrlb, 5));
            writer.WriteEndObject();
        }
    }

    private static void WriteRuns(Utf8JsonWriter writer, string name, IReadOnlyList<LoopBenchmarkResult> runs)
    {
        writer.WriteStartArray(name);
        foreach (var run in runs)
        {
            writer.WriteStartObject();
            WriteMeasured(writer, run);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
