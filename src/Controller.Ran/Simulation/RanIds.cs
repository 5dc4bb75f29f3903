using System.Globalization;

namespace Controller.Ran.Simulation;

/// <summary>
/// The simulator's ids: regions "r000", cells "r000/c00", users "r000/u000". A cell's or user's id starts
/// with its region's, so a user's region is visible in logs and URLs; widths grow past 999 regions or users.
/// </summary>
public static class RanIds
{
    /// <summary>Id of region <paramref name="index"/>.</summary>
    public static string Region(int index) => string.Create(CultureInfo.InvariantCulture, $"r{index:D3}");

    /// <summary>Id of cell <paramref name="index"/> of <paramref name="region"/>.</summary>
    public static string Cell(string region, int index) => string.Create(CultureInfo.InvariantCulture, $"{region}/c{index:D2}");

    /// <summary>Id of user <paramref name="index"/> of <paramref name="region"/>.</summary>
    public static string User(string region, int index) => string.Create(CultureInfo.InvariantCulture, $"{region}/u{index:D3}");
}
