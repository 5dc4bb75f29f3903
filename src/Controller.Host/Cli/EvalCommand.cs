using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Controller.Radio.Evaluation;
using Controller.Optimization.Policies;

namespace Controller.Host.Cli;

/// <summary><c>controller eval</c>: a policy on fresh instances of a scenario, pooled metrics out.</summary>
internal static class EvalCommand
{
    public static Command Create(CliStreams io)
    {
        var common = new CommonOptions();
        var policy = new Option<string>("--policy")
        {
            Description = "policy: " + string.Join(", ", HostPolicies.Provider.Policies.Select(p => p.Name)),
            Required = true,
        };
        var burnIn = new Option<int>("--burn-in")
        {
            Description = "slots after warm-up in which a learning policy (alcor) decides and learns but is not scored",
            DefaultValueFactory = _ => 0,
        };
        var command = new Command("eval", "Evaluate a policy on fresh instances of a scenario.")
        {
            common.Scenario, common.Set, policy, common.Seed, common.Configs, common.Slots, burnIn, common.Json,
        };
        command.SetAction(parsed =>
        {
            var (scenario, settings) = common.ResolveScenario(parsed);
            var policyName = parsed.GetRequiredValue(policy);
            HostPolicies.Provider.Validate(policyName);
            var configs = parsed.GetValue(common.Configs);
            var slots = parsed.GetValue(common.Slots) ?? scenario.DefaultSlots;
            var request = new EvaluationRequest(scenario, settings, policyName, parsed.GetValue(common.Seed), configs, slots, HostPolicies.Provider)
            {
                BurnInSlots = parsed.GetValue(burnIn),
            };
            io.Error.WriteLine($"eval: {scenario.Name}, policy {policyName}, {configs} configurations x {slots} slots, seed {request.Seed}");
            var clock = Stopwatch.StartNew();
            var result = Evaluator.Run(request, new StderrProgress(io.Error, "eval", configs, "configurations"));
            var seconds = clock.Elapsed.TotalSeconds;
            if (parsed.GetValue(common.Json))
            {
                WriteJson(io.Output, result, seconds);
            }
            else
            {
                WriteText(io.Output, result, seconds);
            }

            return 0;
        });
        return command;
    }

    private static void WriteJson(TextWriter output, EvaluationResult result, double seconds)
    {
        var request = result.Request;
        var metrics = result.Metrics;
        Json.Write(output, writer =>
        {
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
            writer.WriteNumber("elapsedSeconds", Math.Round(seconds, 3));
            writer.WriteEndObject();
        });
    }

    private static void WriteText(TextWriter output, EvaluationResult result, double seconds)
    {
        var m = result.Metrics;
        var culture = CultureInfo.InvariantCulture;
        var defaults = result.Request.Scenario.Settings.ToDictionary(d => d.Name, d => d.DefaultValue);
        var changed = result.Request.Settings.AsText.Where(kv => kv.Value != defaults[kv.Key]).Select(kv => $"{kv.Key}={kv.Value}").ToList();
        output.WriteLine($"scenario   {result.Request.Scenario.Name} ({(changed.Count == 0 ? "default settings" : string.Join(", ", changed))})");
        output.WriteLine(string.Create(culture, $"policy     {result.Request.Policy}, seed {result.Request.Seed}, {result.Request.Configurations} configurations x {result.Request.Slots} slots, {seconds:F2} s"));
        output.WriteLine(string.Create(culture, $"sum rate   {m.SumRate,10:F4} bps/Hz"));
        output.WriteLine(string.Create(culture, $"mean rate  {m.MeanRate,10:F4} bps/Hz"));
        output.WriteLine(string.Create(culture, $"p5 rate    {m.P5Rate,10:F4} bps/Hz"));
        output.WriteLine(m.SatisfiedFraction is { } s ? string.Create(culture, $"satisfied  {s * 100,10:F1} %") : "satisfied         n/a (no demands)");
        output.WriteLine(m.ViolationPct is { } v ? string.Create(culture, $"viol       {v,10:F2} %") : "viol              n/a (no demands)");
        output.WriteLine(string.Create(culture, $"power      {m.MeanPower,10:G4} of budget {m.PowerBudget:G4} ({m.MeanPower / m.PowerBudget * 100:F1} %)"));
    }
}
