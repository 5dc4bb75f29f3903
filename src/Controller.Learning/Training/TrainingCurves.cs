using ScottPlot;

namespace Controller.Learning.Training;

/// <summary>Training curves as one PNG: a column of panels over the epochs, one line per history column.</summary>
public static class TrainingCurves
{
    /// <summary>Draws <paramref name="panels"/> of <paramref name="history"/> into the PNG at <paramref name="path"/>.</summary>
    public static void Draw(string path, string title, IReadOnlyList<EpochRow> history, IReadOnlyList<CurvePanel> panels)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(panels);
        const int Width = 900;
        const int PanelHeight = 260;
        var epochs = history.Select(r => (double)r.Epoch).ToArray();
        var multiplot = new Multiplot();
        multiplot.AddPlots(panels.Count);
        for (var p = 0; p < panels.Count; p++)
        {
            var plot = multiplot.GetPlot(p);
            foreach (var column in panels[p].Columns)
            {
                var values = history.Select(r => r[column]).ToArray();
                var line = plot.Add.ScatterLine(epochs, values);
                line.LegendText = column;
                line.LineWidth = 1.5f;
            }

            plot.Axes.Left.Label.Text = panels[p].Title;
            plot.Axes.Bottom.Label.Text = "epoch";
            plot.ShowLegend(Alignment.UpperLeft);
            if (p == 0)
            {
                plot.Axes.Title.Label.Text = title;
            }
        }

        multiplot.Layout = new ScottPlot.MultiplotLayouts.Rows();
        multiplot.SavePng(path, Width, PanelHeight * panels.Count);
    }
}
