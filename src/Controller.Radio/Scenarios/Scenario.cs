namespace Controller.Radio.Scenarios;

/// <summary>A named family of networks from one of the papers, with overridable constants.</summary>
public abstract class Scenario
{
    /// <summary>The name used on the command line.</summary>
    public abstract string Name { get; }

    /// <summary>Where the setup comes from (paper and section).</summary>
    public abstract string Source { get; }

    /// <summary>One line on what the scenario models.</summary>
    public abstract string Summary { get; }

    /// <summary>Every overridable constant with unit, default and range.</summary>
    public abstract IReadOnlyList<SettingDefinition> Settings { get; }

    /// <summary>Slots per configuration when the caller does not say (including warm-up).</summary>
    public virtual int DefaultSlots => 100;

    /// <summary>Resolves user overrides against <see cref="Settings"/>, including cross-setting checks.</summary>
    public ScenarioSettings Resolve(IEnumerable<KeyValuePair<string, string>> overrides)
    {
        var settings = ScenarioSettings.Resolve(Name, Settings, overrides);
        Validate(settings);
        return settings;
    }

    /// <summary>Draws configuration <paramref name="index"/> of the run with <paramref name="seed"/>.</summary>
    public abstract NetworkConfiguration CreateConfiguration(ScenarioSettings settings, ulong seed, int index);

    /// <summary>Checks that involve several settings; throws <see cref="RadioInputException"/>.</summary>
    protected virtual void Validate(ScenarioSettings settings)
    {
    }

    /// <summary>Per-receiver demands from a list setting: empty (none), one value for all, or one per receiver.</summary>
    protected double[] ExpandDemands(ScenarioSettings settings, string name, int receivers)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var list = settings.GetList(name);
        var demands = new double[receivers];
        if (list.Count == 1)
        {
            Array.Fill(demands, list[0]);
        }
        else if (list.Count == receivers)
        {
            for (var i = 0; i < receivers; i++)
            {
                demands[i] = list[i];
            }
        }
        else if (list.Count != 0)
        {
            throw new RadioInputException(
                $"Setting '{name}' of scenario '{Name}' has {list.Count} values; give one value for all or exactly {receivers} (one per receiver).");
        }

        return demands;
    }
}
