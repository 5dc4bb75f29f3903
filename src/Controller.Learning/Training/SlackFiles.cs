using System.Globalization;
using System.Text;
using ScottPlot;

namespace Controller.Learning.Training;

/// <summary>
/// The resilient trainer's slack files (ARTIFACT_FORMAT.md): <c>slack.csv</c>, one line per training configuration and
/// user with its large-scale SIR (dB), final slack z and dual mu, and <c>slack.png</c>, z against SIR (paper 003's
/// Fig. 6a). <c>controller reproduce resilient-gnn</c> reads the CSV.
/// </summary>
public static class SlackFiles
{
    /// <summary>The CSV's file name.</summary>
    public const string CsvName = "slack.csv";

    /// <summary>The chart's file name.</summary>
    public const string PngName = "slack.png";

    /// <summary>Writes the CSV; the arrays are row-major [C, n] (numbers with six significant digits, as the Python trainer).</summary>
    public static void WriteCsv(string path, int users, IReadOnlyList<double> sirDb, IReadOnlyList<double> slack, IReadOnlyList<double> mu)
    {
        ArgumentNullException.ThrowIfNull(sirDb);
        ArgumentNullException.ThrowIfNull(slack);
        ArgumentNullException.ThrowIfNull(mu);
        var text = new StringBuilder("configuration,user,sir_db,slack,mu\n");
        for (var k = 0; k < sirDb.Count; k++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{k / users},{k % users},{sirDb[k]:G6},{slack[k]:G6},{mu[k]:G6}\n");
        }

        File.WriteAllText(path, text.ToString());
    }

    /// <summary>Draws z against SIR as a scatter plot.</summary>
    public static void DrawPng(string path, string name, IReadOnlyList<double> sirDb, IReadOnlyList<double> slack)
    {
        ArgumentNullException.ThrowIfNull(sirDb);
        ArgumentNullException.ThrowIfNull(slack);
        var plot = new Plot();
        var points = plot.Add.ScatterPoints(sirDb.ToArray(), slack.ToArray());
        points.MarkerSize = 3;
        points.Color = Colors.C0.WithAlpha(0.3);
        plot.Axes.Bottom.Label.Text = "large-scale SIR (dB)";
        plot.Axes.Left.Label.Text = "final slack z";
        plot.Axes.Title.Label.Text = $"{name}: slack at the end of training, per training user";
        plot.SavePng(path, 704, 440);
    }
}
