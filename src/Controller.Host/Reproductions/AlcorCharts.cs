using System.Globalization;
using ScottPlot;

namespace Controller.Host.Reproductions;

/// <summary>
/// Paper 001's time plots from a reproduction's rows (<c>controller reproduce alcor-fig1 | alcor-table3 --png FILE</c>):
/// each user's moving-average rate over time with its demand dotted (Figs. 1 and 3), and its lambda over time (Fig. 3).
/// The series are the Extra fields <c>rate{user}Slot{slot}</c>, <c>lambda{user}Slot{slot}</c> and <c>demand{user}</c>.
/// </summary>
internal static class AlcorCharts
{
    /// <summary>Draws the two panels of the row that carries the series into <paramref name="path"/>.</summary>
    public static void Draw(string title, IReadOnlyList<ReproductionRow> rows, string path)
    {
        var fields = rows.Select(r => r.Extra).FirstOrDefault(e => e?.Keys.Any(k => k.StartsWith("rate", StringComparison.Ordinal)) == true)
            ?? throw new ArgumentException("no row carries the rate series (is this alcor-fig1 or alcor-table3?)");
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        var rates = multiplot.GetPlot(0);
        var lambdas = multiplot.GetPlot(1);
        var palette = new ScottPlot.Palettes.Category20();
        var users = Users(fields);
        for (var u = 0; u < users.Length; u++)
        {
            var color = palette.GetColor(u);
            var (slots, values) = Series(fields, $"rate{users[u]}");
            var line = rates.Add.Scatter(slots, values);
            line.MarkerSize = 0;
            line.Color = color;
            line.LegendText = $"user {int.Parse(users[u], CultureInfo.InvariantCulture)}";
            if (fields.TryGetValue($"demand{users[u]}", out var demand))
            {
                var target = rates.Add.HorizontalLine(demand);
                target.LinePattern = LinePattern.Dotted;
                target.Color = color;
            }

            var (lambdaSlots, lambdaValues) = Series(fields, $"lambda{users[u]}");
            var lambdaLine = lambdas.Add.Scatter(lambdaSlots, lambdaValues);
            lambdaLine.MarkerSize = 0;
            lambdaLine.Color = color;
        }

        rates.Axes.Bottom.Label.Text = "slot";
        rates.Axes.Left.Label.Text = "moving-average rate (bps/Hz); demands dotted";
        rates.Axes.Title.Label.Text = title;
        rates.ShowLegend(Alignment.UpperRight);
        lambdas.Axes.Bottom.Label.Text = "slot";
        lambdas.Axes.Left.Label.Text = "lambda";
        lambdas.Axes.Title.Label.Text = "ALCOR's multipliers";
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        multiplot.SavePng(path, 1240, 480);
    }

    /// <summary>The two-digit user tags that have a rate series, in order.</summary>
    internal static string[] Users(IReadOnlyDictionary<string, double> fields)
        => [.. fields.Keys.Where(k => k.StartsWith("rate", StringComparison.Ordinal) && k.Length > 6).Select(k => k[4..6]).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>The slots and values of the series <paramref name="stem"/> (<c>rate07</c>, say).</summary>
    internal static (double[] Slots, double[] Values) Series(IReadOnlyDictionary<string, double> fields, string stem)
    {
        var prefix = stem + "Slot";
        var points = fields
            .Where(f => f.Key.StartsWith(prefix, StringComparison.Ordinal) && f.Key[prefix.Length..].All(char.IsAsciiDigit))
            .Select(f => (Slot: double.Parse(f.Key[prefix.Length..], CultureInfo.InvariantCulture), f.Value))
            .OrderBy(p => p.Slot)
            .ToArray();
        return ([.. points.Select(p => p.Slot)], [.. points.Select(p => p.Value)]);
    }
}
