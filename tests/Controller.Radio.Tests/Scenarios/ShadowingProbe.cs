using System.Globalization;
using Controller.Radio.Scenarios;

namespace Controller.Radio.Tests.Scenarios;

/// <summary>
/// Recovers resilient-rrm's long-term gains (path loss and shadowing) by averaging the gain over many
/// slots. The settings put Jakes' one-slot correlation at J0(2.3) = 0.056, so slots are nearly
/// independent, and push position updates past the end of the run so the long-term part stays fixed.
/// </summary>
internal static class ShadowingProbe
{
    public static KeyValuePair<string, string>[] Settings(string aps, string users, string shadowingDb = "7")
    {
        // 2 pi (v f / c) Ts = 2.3 with v = 1 m/s and f = 2.4 GHz.
        var slotMs = 2.3 * 299_792_458.0 / (2 * Math.PI * 2.4e9) * 1000;
        return
        [
            new("aps", aps),
            new("users", users),
            new("shadowingDb", shadowingDb),
            new("speed", "1"),
            new("carrierGHz", "2.4"),
            new("slotMs", slotMs.ToString("R", CultureInfo.InvariantCulture)),
            new("mobilitySlots", "1000000"),
        ];
    }

    /// <summary>10 log10 of the gain averaged over <paramref name="slots"/> slots, per user and AP.</summary>
    public static double[][] LongTermGainsDb(NetworkConfiguration configuration, int slots)
    {
        var sums = new double[configuration.Receivers][];
        for (var j = 0; j < sums.Length; j++)
        {
            sums[j] = new double[configuration.Transmitters];
        }

        for (var slot = 0; slot < slots; slot++)
        {
            configuration.Advance();
            for (var j = 0; j < sums.Length; j++)
            {
                for (var i = 0; i < configuration.Transmitters; i++)
                {
                    sums[j][i] += configuration.Gains[j, i];
                }
            }
        }

        foreach (var row in sums)
        {
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = 10 * Math.Log10(row[i] / slots);
            }
        }

        return sums;
    }
}
