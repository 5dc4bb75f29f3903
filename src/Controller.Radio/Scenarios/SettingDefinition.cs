using System.Globalization;

namespace Controller.Radio.Scenarios;

/// <summary>How a setting's text is read.</summary>
public enum SettingKind
{
    /// <summary>A whole number.</summary>
    Whole,

    /// <summary>A finite real number.</summary>
    Number,

    /// <summary>Comma-separated finite real numbers (possibly empty).</summary>
    NumberList,
}

/// <summary>One overridable constant of a scenario, with its unit, default and allowed range.</summary>
/// <param name="Name">The key used in <c>--set key=value</c>.</param>
/// <param name="Kind">How the value is parsed.</param>
/// <param name="DefaultValue">The default, as text in the same syntax a user would type.</param>
/// <param name="Unit">Unit of the value ("" when dimensionless).</param>
/// <param name="Minimum">Smallest allowed value (each element for lists).</param>
/// <param name="Maximum">Largest allowed value (each element for lists).</param>
/// <param name="Description">What the setting controls.</param>
public sealed record SettingDefinition(
    string Name,
    SettingKind Kind,
    string DefaultValue,
    string Unit,
    double Minimum,
    double Maximum,
    string Description)
{
    /// <summary>The allowed range as a user reads it, for example "[1, 10000]".</summary>
    public string RangeText => Kind switch
    {
        SettingKind.Whole => string.Create(CultureInfo.InvariantCulture, $"an integer in [{Minimum}, {Maximum}]"),
        SettingKind.Number => string.Create(CultureInfo.InvariantCulture, $"a number in [{Minimum}, {Maximum}]"),
        _ => string.Create(CultureInfo.InvariantCulture, $"comma-separated numbers in [{Minimum}, {Maximum}]"),
    };
}
