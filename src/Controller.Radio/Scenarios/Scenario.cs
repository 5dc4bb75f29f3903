namespace Controller.Radio.Scenarios;

/// <summary>A named family of radio networks from one of the papers, with overridable constants.</summary>
public abstract class Scenario : ScenarioDefinition
{
    /// <summary>Slots per configuration when the caller does not say (including warm-up).</summary>
    public virtual int DefaultSlots => 100;

    /// <summary>Draws configuration <paramref name="index"/> of the run with <paramref name="seed"/>.</summary>
    public abstract NetworkConfiguration CreateConfiguration(ScenarioSettings settings, ulong seed, int index);

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
