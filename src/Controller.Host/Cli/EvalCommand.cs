using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Controller.Radio.Evaluation;
using Controller.Optimization.Policies;

namespace Controller.Host.Cli;

/// <summary>
/// <c>controller eval</c>: policies on fresh instances of a scenario, pooled metrics out. Several policies
/// (<c>--policy a,b,c</c>) run on the same instances and print side by side; on the <c>isac</c> scenario every policy is
/// also scored on the full ISAC model (WSR at the estimates and under the true channel, CRLB).
/// </summary>
internal static class EvalCommand
{
    public static Command Create(CliStreams io)
    {
        var common = new CommonOptions();
        var policy = new Option<string>("--policy")
        {
            Description = "policy, or several separated by commas to compare them on the same instances: " + string.Join(", ", HostPolicies.Provider.Policies.Select(p => p.Name)),
            Required = true,
        };
        var burnIn = new Option<int>("--burn-in")
        {
            Description = "slots after warm-up in which a learning policy (alcor) decides and learns but is not scored",
            DefaultValueFactory = _ => 0,
        };
        var command = new Command("eval", "Evaluate policies on fresh instances of a scenario.")
        {
            common.Scenario, common.Set, policy, common.Seed, common.Configs, common.Slots, burnIn, common.Json,
        };
        command.SetAction(parsed =>
        {
            var (scenario, settings) = common.ResolveScenario(parsed);
            var names = parsed.GetRequiredValue(policy).Split(',', StringSplitOptions.TrimEntries);
            if (names.Any(n => n.Length == 0))
            {
                throw new CliUsageException($"--policy '{parsed.GetRequiredValue(policy)}' has an empty name; separate policies with single commas, e.g. --policy isac-robust,isac-nonrobust,wmmse.");
            }

            foreach (var name in names)
            {
                HostPolicies.Provider.Validate(name);
            }

            var configs = parsed.GetValue(common.Configs);
            var slots = parsed.GetValue(common.Slots) ?? scenario.DefaultSlots;
            var results = new List<(EvaluationResult Result, double Seconds)>();
            foreach (var name in names)
            {
                var request = new EvaluationRequest(scenario, settings, name, parsed.GetValue(common.Seed), configs, slots, HostPolicies.Provider)
                {
                    BurnInSlots = parsed.GetValue(burnIn),
                };
                io.Error.WriteLine($"eval: {scenario.Name}, policy {name}, {configs} configurations x {slots} slots, seed {request.Seed}");
                var clock = Stopwatch.StartNew();
                var result = Evaluator.Run(request, new StderrProgress(io.Error, "eval", configs, "configurations"));
                results.Add((result, clock.Elapsed.TotalSeconds));
            }

            if (parsed.GetValue(common.Json))
            {
                if (results.Count == 1)
                {
                    Json.Write(io.Output, writer => WriteJson(writer, results[0].Result, results[0].Seconds));
                }
                else
                {
                    Json.Write(io.Output, writer =>
                    {
                        writer.WriteStartObject();
                        writer.WriteStartArray("results");
                        foreach (var (result, seconds) in results)
                        {
                            WriteJson(writer, result, seconds);
                        }

                        writer.WriteEndArray();
                        writer.WriteEndObject();
                    });
                }
            }
            else if (results.Count == 1)
            {
                WriteText(io.Output, results[0].Result, results[0].Seconds);
            }
            else
            {
                WriteTable(io.Output, results);
            }

            return 0;
        });
        return command;
    }

    private static void WriteJson(Utf8JsonWriter writer, EvaluationResult result, double seconds)
    {
        var request = result.Request;
        var metrics = result.Metrics;
        writer.WriteStartObject();
        writer.WriteString("scenario", request.Scenario.Name);
        writer.WriteSettings(request.Settings.AsText);
        writer.WriteString("policy", request.Policy);
        writer.WriteNumber("seed", request.Seed);
        writer.WriteNumber("configs", request.Configurations);
        writer.WriteNumber("slots", request.Slots);
        writer.WriteStartObject("metrics");
        writer.WriteNumber("sumRate", metrics.SumRate);
        writer.WriteNumber("meanRate", metrics.MeanRate);
        writer.WriteNumber("p5Rate", metrics.P5Rate);
        writer.WriteNullableNumber("satisfiedFraction", metrics.SatisfiedFraction);
        writer.WriteNullableNumber("violationPct", metrics.ViolationPct);
        writer.WriteNumber("meanPower", metrics.MeanPower);
        writer.WriteNumber("powerBudget", metrics.PowerBudget);
        writer.WriteEndObject();
        if (result.Isac is { } isac)
        {
            writer.WriteStartObject("isac");
            writer.WriteNumber("nominalWsr", isac.NominalWsr);
            writer.WriteNumber("trueWsr", isac.TrueWsr);
            // Null when a design leaves a target parameter unobservable (an infinite CRLB).
            writer.WriteNullableNumber("crlb", isac.Crlb);
            writer.WriteEndObject();
        }

        writer.WriteNumber("decideMs", Math.Round(result.DecideMilliseconds, 3));
        writer.WriteNumber("elapsedSeconds", Math.Round(seconds, 3));
        writer.WriteEndObject();
    }

    private static void WriteText(TextWriter output, EvaluationResult result, double seconds)
    {
        var m = result.Metrics;
        var culture = CultureInfo.InvariantCulture;
        output.WriteLine($"scenario   {result.Request.Scenario.Name} ({Changed(result)})");
        output.WriteLine(string.Create(culture, $"policy     {result.Request.Policy}, seed {result.Request.Seed}, {result.Request.Configurations} configurations x {result.Request.Slots} slots, {seconds:F2} s"));
        output.WriteLine(string.Create(culture, $"sum rate   {m.SumRate,10:F4} bps/Hz"));
        output.WriteLine(string.Create(culture, $"mean rate  {m.MeanRate,10:F4} bps/Hz"));
        output.WriteLine(string.Create(culture, $"p5 rate    {m.P5Rate,10:F4} bps/Hz"));
        output.WriteLine(m.SatisfiedFraction is { } s ? string.Create(culture, $"satisfied  {s * 100,10:F1} %") : "satisfied         n/a (no demands)");
        output.WriteLine(m.ViolationPct is { } v ? string.Create(culture, $"viol       {v,10:F2} %") : "viol              n/a (no demands)");
        output.WriteLine(string.Create(culture, $"power      {m.MeanPower,10:G4} of budget {m.PowerBudget:G4} ({m.MeanPower / m.PowerBudget * 100:F1} %)"));
        if (result.Isac is { } isac)
        {
            output.WriteLine(string.Create(culture, $"WSR        {isac.NominalWsr,10:F4} bps/Hz at the estimates, {isac.TrueWsr:F4} under the true channel"));
            output.WriteLine(string.Create(culture, $"CRLB       {isac.Crlb,10:G4} m^2 (target positions)"));
        }

        output.WriteLine(string.Create(culture, $"decide     {result.DecideMilliseconds,10:F3} ms per slot"));
    }

    private static void WriteTable(TextWriter output, List<(EvaluationResult Result, double Seconds)> results)
    {
        var culture = CultureInfo.InvariantCulture;
        var first = results[0].Result;
        var isac = results.All(r => r.Result.Isac is not null);
        output.WriteLine($"scenario   {first.Request.Scenario.Name} ({Changed(first)}), seed {first.Request.Seed}, {first.Request.Configurations} configurations x {first.Request.Slots} slots");
        var width = Math.Max(8, results.Max(r => r.Result.Request.Policy.Length));
        output.WriteLine(isac
            ? string.Create(culture, $"{"policy".PadRight(width)}  {"WSR est.",9}  {"WSR true",9}  {"CRLB m^2",10}  {"p5 rate",8}  {"power %",7}  {"decide ms",9}")
            : string.Create(culture, $"{"policy".PadRight(width)}  {"sum rate",9}  {"mean",8}  {"p5 rate",8}  {"viol %",7}  {"power %",7}  {"decide ms",9}"));
        foreach (var (result, _) in results)
        {
            var m = result.Metrics;
            var power = m.MeanPower / m.PowerBudget * 100;
            output.WriteLine(isac
                ? string.Create(culture, $"{result.Request.Policy.PadRight(width)}  {result.Isac!.NominalWsr,9:F3}  {result.Isac.TrueWsr,9:F3}  {result.Isac.Crlb,10:G4}  {m.P5Rate,8:F3}  {power,7:F1}  {result.DecideMilliseconds,9:F2}")
                : string.Create(culture, $"{result.Request.Policy.PadRight(width)}  {m.SumRate,9:F3}  {m.MeanRate,8:F3}  {m.P5Rate,8:F3}  {(m.ViolationPct is { } v ? v.ToString("F2", culture) : "n/a"),7}  {power,7:F1}  {result.DecideMilliseconds,9:F2}"));
        }
    }

    private static string Changed(EvaluationResult result)
    {
        var defaults = result.Request.Scenario.Settings.ToDictionary(d => d.Name, d => d.DefaultValue);
        var changed = result.Request.Settings.AsText.Where(kv => kv.Value != defaults[kv.Key]).Select(kv => $"{kv.Key}={kv.Value}").ToList();
        return changed.Count == 0 ? "default settings" : string.Join(", ", changed);
    }
}
