namespace Controller.Radio.Scenarios;

/// <summary>
/// A named family of setups from one of the papers with overridable, range-checked constants: the radio
/// scenarios (<see cref="Scenario"/>) and the networks of links and flows that DBiNUM runs on.
/// </summary>
public abstract class ScenarioDefinition
{
    /// <summary>The name used on the command line.</summary>
    public abstract string Name { get; }

    /// <summary>Where the setup comes from (paper and section).</summary>
    public abstract string Source { get; }

    /// <summary>One line on what the scenario models.</summary>
    public abstract string Summary { get; }

    /// <summary>Every overridable constant with unit, default and range.</summary>
    public abstract IReadOnlyList<SettingDefinition> Settings { get; }

    /// <summary>Resolves user overrides against <see cref="Settings"/>, including cross-setting checks; throws <see cref="RadioInputException"/>.</summary>
    public ScenarioSettings Resolve(IEnumerable<KeyValuePair<string, string>> overrides)
    {
        var settings = ScenarioSettings.Resolve(Name, Settings, overrides);
        Validate(settings);
        return settings;
    }

    /// <summary>Checks that involve several settings; throws <see cref="RadioInputException"/>.</summary>
    protected virtual void Validate(ScenarioSettings settings)
    {
    }
}
