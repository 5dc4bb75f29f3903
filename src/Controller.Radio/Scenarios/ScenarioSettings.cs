using System.Globalization;

namespace Controller.Radio.Scenarios;

/// <summary>
/// The resolved settings of one scenario run: every definition's default, overridden by what the user
/// set. Parsing and range checks happen once, here, so scenario code reads values that are known good.
/// </summary>
public sealed class ScenarioSettings
{
    private readonly Dictionary<string, object> _values;
    private readonly Dictionary<string, string> _text;

    private ScenarioSettings(Dictionary<string, object> values, Dictionary<string, string> text)
    {
        _values = values;
        _text = text;
    }

    /// <summary>Settings as text, in definition order (what export writes and eval reports).</summary>
    public IReadOnlyDictionary<string, string> AsText => _text;

    /// <summary>
    /// Resolves <paramref name="overrides"/> against <paramref name="definitions"/>.
    /// Throws <see cref="RadioInputException"/> naming the key, the value and what is allowed.
    /// </summary>
    public static ScenarioSettings Resolve(string scenario, IReadOnlyList<SettingDefinition> definitions, IEnumerable<KeyValuePair<string, string>> overrides)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        ArgumentNullException.ThrowIfNull(overrides);
        var byName = definitions.ToDictionary(d => d.Name, StringComparer.Ordinal);
        var chosen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in overrides)
        {
            if (!byName.ContainsKey(key))
            {
                throw new RadioInputException(
                    $"Unknown setting '{key}' for scenario '{scenario}'; allowed: {string.Join(", ", definitions.Select(d => d.Name))}.");
            }

            chosen[key] = value;
        }

        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        var text = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var definition in definitions)
        {
            var raw = chosen.TryGetValue(definition.Name, out var given) ? given : definition.DefaultValue;
            values[definition.Name] = Parse(scenario, definition, raw);
            text[definition.Name] = raw.Trim();
        }

        return new ScenarioSettings(values, text);
    }

    /// <summary>Parses <c>key=value</c> pairs as typed on the command line.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ParseAssignments(IEnumerable<string> assignments)
    {
        ArgumentNullException.ThrowIfNull(assignments);
        var result = new List<KeyValuePair<string, string>>();
        foreach (var assignment in assignments)
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new RadioInputException($"Setting '{assignment}' is not of the form key=value.");
            }

            result.Add(new(assignment[..equals].Trim(), assignment[(equals + 1)..].Trim()));
        }

        return result;
    }

    /// <summary>An integer setting.</summary>
    public int GetInt(string name) => (int)_values[name];

    /// <summary>A real setting.</summary>
    public double GetDouble(string name) => (double)_values[name];

    /// <summary>A list setting (empty when unset).</summary>
    public IReadOnlyList<double> GetList(string name) => (double[])_values[name];

    private static object Parse(string scenario, SettingDefinition definition, string raw)
    {
        var trimmed = raw.Trim();
        switch (definition.Kind)
        {
            case SettingKind.Whole:
                if (!int.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer))
                {
                    throw Invalid(scenario, definition, raw);
                }

                CheckRange(scenario, definition, raw, integer);
                return integer;
            case SettingKind.Number:
                var real = ParseReal(scenario, definition, raw, trimmed);
                CheckRange(scenario, definition, raw, real);
                return real;
            default:
                if (trimmed.Length == 0)
                {
                    return Array.Empty<double>();
                }

                var parts = trimmed.Split(',');
                var list = new double[parts.Length];
                for (var i = 0; i < parts.Length; i++)
                {
                    list[i] = ParseReal(scenario, definition, raw, parts[i].Trim());
                    CheckRange(scenario, definition, raw, list[i]);
                }

                return list;
        }
    }

    private static double ParseReal(string scenario, SettingDefinition definition, string raw, string text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw Invalid(scenario, definition, raw);
        }

        return value;
    }

    private static void CheckRange(string scenario, SettingDefinition definition, string raw, double value)
    {
        if (value < definition.Minimum || value > definition.Maximum)
        {
            throw Invalid(scenario, definition, raw);
        }
    }

    private static RadioInputException Invalid(string scenario, SettingDefinition definition, string raw)
    {
        var unit = definition.Unit.Length > 0 ? $" ({definition.Unit})" : string.Empty;
        return new RadioInputException(
            $"Setting '{definition.Name}' of scenario '{scenario}' got '{raw}'; it must be {definition.RangeText}{unit}.");
    }
}
