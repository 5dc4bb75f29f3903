using System.Globalization;
using ScottPlot;

namespace Controller.Host.Reproductions;

/// <summary>
/// Paper 001's time plots from a reproduction's rows (<c>controller reproduce alcor-fig1 | alcor-table3 --png FILE</c>):
/// each user's moving-average rate over time with its demand dotted (Figs. 1 and 3; for Fig. 1 also the vanilla-learning
/// and meta-learning panels), and its lambda over time (Fig. 3).
/// The series are the Extra fields <c>rate{user}Slot{slot}</c> (and <c>vanillaRate</c>, <c>metaRate</c>),
/// <c>lambda{user}Slot{slot}</c> and <c>demand{user}</c>.
/// </summary>
internal static class AlcorCharts
{
    /// <summary>Draws the two panels of the row that carries the series into <paramref name="path"/>.</summary>
    public static void Draw(string title, IReadOnlyList<ReproductionRow> rows, string path)
    {
        var fields = rows.Select(r => r.Extra).FirstOrDefault(e => e?.Keys.Any(k => k.StartsWith("rate", StringComparison.Ordinal)) == true)
            ?? throw new ArgumentException("no row carries the rate series (is this alcor-fig1 or alcor-table3?)");
        var schemes = new (string Stem, string Title)[] { ("rate", title), ("vanillaRate", "vanilla learning (random start, reward (10), step psi*/(1+k))"), ("metaRate", "meta-learning (eq. 11 start, reward (10), step psi*/(1+k))") }
            .Where(s => s.Stem == "rate" || fields.Keys.Any(k => k.StartsWith(s.Stem, StringComparison.Ordinal)))
            .ToArray();
        var multiplot = new Multiplot();
        multiplot.AddPlots(schemes.Length + 1);
        var lambdas = multiplot.GetPlot(schemes.Length);
        var palette = new ScottPlot.Palettes.Category20();
        var users = Users(fields);
        for (var p = 0; p < schemes.Length; p++)
        {
            var panel = multiplot.GetPlot(p);
            for (var u = 0; u < users.Length; u++)
            {
                var color = palette.GetColor(u);
                var (slots, values) = Series(fields, $"{schemes[p].Stem}{users[u]}");
                var line = panel.Add.Scatter(slots, values);
                line.MarkerSize = 0;
                line.Color = color;
                line.LegendText = $"user {int.Parse(users[u], CultureInfo.InvariantCulture)}";
                if (fields.TryGetValue($"demand{users[u]}", out var demand))
                {
                    var target = panel.Add.HorizontalLine(demand);
                    target.LinePattern = LinePattern.Dotted;
                    target.Color = color;
                }
            }

            panel.Axes.Bottom.Label.Text = "slot";
            panel.Axes.Left.Label.Text = "moving-average rate (bps/Hz); demands dotted";
            panel.Axes.Title.Label.Text = schemes[p].Title;
            panel.ShowLegend(Alignment.UpperRight);
        }

        for (var u = 0; u < users.Length; u++)
        {
            var (lambdaSlots, lambdaValues) = Series(fields, $"lambda{users[u]}");
            var lambdaLine = lambdas.Add.Scatter(lambdaSlots, lambdaValues);
            lambdaLine.MarkerSize = 0;
            lambdaLine.Color = palette.GetColor(u);
        }

        lambdas.Axes.Bottom.Label.Text = "slot";
        lambdas.Axes.Left.Label.Text = "lambda";
        lambdas.Axes.Title.Label.Text = "ALCOR's multipliers";
        multiplot.Layout = schemes.Length > 1 ? new ScottPlot.MultiplotLayouts.Grid(2, 2) : new ScottPlot.MultiplotLayouts.Columns();
        multiplot.SavePng(path, 1240, schemes.Length > 1 ? 900 : 480);
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
