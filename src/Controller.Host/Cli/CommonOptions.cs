using System.CommandLine;
using System.Globalization;
using Controller.Radio.Scenarios;

namespace Controller.Host.Cli;

/// <summary>Options shared by the verbs that work on scenario instances.</summary>
internal sealed class CommonOptions
{
    public Option<string> Scenario { get; } = new("--scenario") { Description = "scenario name (see 'controller scenario list')", Required = true };

    public Option<string[]> Set { get; } = new("--set")
    {
        Description = "override a scenario setting, key=value (repeatable)",
        Arity = ArgumentArity.ZeroOrMore,
        DefaultValueFactory = _ => [],
    };

    public Option<ulong> Seed { get; } = new("--seed")
    {
        Description = "run seed: fixes every configuration and random decision",
        DefaultValueFactory = _ => 1,
        CustomParser = result => ParseSeed(result),
    };

    public Option<int> Configs { get; } = PositiveInt("--configs", "number of configurations (independent networks)", 20, 1_000_000);

    public Option<int?> Slots { get; } = new("--slots")
    {
        Description = "slots per configuration, warm-up included (default: the scenario's)",
        CustomParser = result => ParseInt(result, 1, 10_000_000),
    };

    public Option<bool> Json { get; } = new("--json") { Description = "print one JSON object on stdout" };

    /// <summary>Resolves the scenario and its settings from a parse result.</summary>
    public (Scenario Scenario, ScenarioSettings Settings) ResolveScenario(ParseResult parsed)
    {
        var scenario = ScenarioCatalog.Get(parsed.GetRequiredValue(Scenario));
        var settings = scenario.Resolve(ScenarioSettings.ParseAssignments(parsed.GetValue(Set) ?? []));
        return (scenario, settings);
    }

    public static Option<int> PositiveInt(string name, string description, int defaultValue, int maximum) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseInt(result, 1, maximum) ?? defaultValue,
    };

    public static Option<int> NonNegativeInt(string name, string description, int defaultValue, int maximum) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseInt(result, 0, maximum) ?? defaultValue,
    };

    /// <summary>A whole number in [<paramref name="minimum"/>, <paramref name="maximum"/>], or null with the parse error added.</summary>
    public static int? ParseInt(System.CommandLine.Parsing.ArgumentResult result, int minimum, int maximum)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < minimum || value > maximum)
        {
            result.AddError($"{OptionName(result)} must be a whole number in [{minimum}, {maximum}] (got '{text}').");
            return null;
        }

        return value;
    }

    /// <summary>
    /// <c>--demand-change SLOT:USER=DEMAND</c> (repeatable): the simulator's demand schedule, e.g.
    /// <c>--demand-change 300:r000/u007=2.5</c> sets user r000/u007's minimum rate to 2.5 bps/Hz from its
    /// region's slot 300 on. Users and values are checked by the simulator.
    /// </summary>
    public static Option<Controller.Ran.Simulation.DemandChange[]> DemandChanges() => new("--demand-change")
    {
        Description = "scheduled demand change SLOT:USER=DEMAND, e.g. 300:r000/u007=2.5 (repeatable)",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => [],
        CustomParser = result =>
        {
            var changes = new List<Controller.Ran.Simulation.DemandChange>();
            foreach (var token in result.Tokens)
            {
                var text = token.Value;
                var colon = text.IndexOf(':', StringComparison.Ordinal);
                var equals = text.LastIndexOf('=');
                if (colon <= 0 || equals <= colon + 1
                    || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var slot)
                    || !double.TryParse(text.AsSpan(equals + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var demand))
                {
                    result.AddError($"--demand-change must look like SLOT:USER=DEMAND, e.g. 300:r000/u007=2.5 (got '{text}').");
                    return [];
                }

                changes.Add(new Controller.Ran.Simulation.DemandChange(slot, text[(colon + 1)..equals], demand));
            }

            return [.. changes];
        },
    };

    private static ulong ParseSeed(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            result.AddError($"{OptionName(result)} must be a whole number in [0, {ulong.MaxValue}] (got '{text}').");
        }

        return value;
    }

    private static string OptionName(System.CommandLine.Parsing.ArgumentResult result)
        => result.Parent is System.CommandLine.Parsing.OptionResult option ? option.Option.Name : "value";
}
