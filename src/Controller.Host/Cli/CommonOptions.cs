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

    private static int? ParseInt(System.CommandLine.Parsing.ArgumentResult result, int minimum, int maximum)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < minimum || value > maximum)
        {
            result.AddError($"{OptionName(result)} must be a whole number in [{minimum}, {maximum}] (got '{text}').");
            return null;
        }

        return value;
    }

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
