namespace Controller.Radio.Scenarios;

/// <summary>The scenarios the controller knows, by name.</summary>
public static class ScenarioCatalog
{
    private static readonly Scenario[] All =
    [
        new GaussianInterferenceScenario(),
        new AlcorCellularScenario(),
        new ResilientRrmScenario(),
        new AggGnnScenario(),
        new IsacScenario(),
    ];

    /// <summary>Every scenario, in a stable order.</summary>
    public static IReadOnlyList<Scenario> Scenarios => All;

    /// <summary>The scenario called <paramref name="name"/>; throws <see cref="RadioInputException"/> listing the known names.</summary>
    public static Scenario Get(string name)
    {
        foreach (var scenario in All)
        {
            if (string.Equals(scenario.Name, name, StringComparison.Ordinal))
            {
                return scenario;
            }
        }

        throw new RadioInputException($"Unknown scenario '{name}'; known: {string.Join(", ", All.Select(s => s.Name))}.");
    }
}
