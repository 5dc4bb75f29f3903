using Controller.Host.Reproductions;

namespace Controller.Host.Tests.Cli;

public sealed class ReproductionChartTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("controller-charts-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Channel_Age_Series_Reads_The_Budget_Wmmse_At_Each_Age()
    {
        var rows = new[] { Row("first", ("aggGnnSumRate", 22.0), ("wmmseBudget5SumRate", 23.0), ("wmmseBudget5Delay1SumRate", 21.5), ("wmmseBudget5Delay2SumRate", 21.0)) };
        var (ages, rates, gnn) = ReproductionCharts.ChannelAgeSeries(rows);
        Assert.Equal([0.0, 1, 2], ages);
        Assert.Equal([23.0, 21.5, 21.0], rates);
        Assert.Equal(22.0, gnn);

        var path = Path.Combine(_directory, "age.png");
        ReproductionCharts.Draw("agg-gnn", 1, rows, path);
        Assert.Equal((byte)0x89, File.ReadAllBytes(path)[0]);
    }

    [Fact]
    public void Hops_Series_Is_Ordered_By_K_And_Drawn()
    {
        var rows = new[]
        {
            Row("K = 2", ("hops", 2), ("aggGnnSumRate", 34.1), ("wmmseBudgetSumRate", 34.2), ("wmmseBudgetDelay1SumRate", 33.2)),
            Row("K = 1", ("hops", 1), ("aggGnnSumRate", 32.6), ("wmmseBudgetSumRate", 32.9), ("wmmseBudgetDelay1SumRate", 32.0)),
            Row("summary without hops", ("ratio", 0.98)),
        };
        var (hops, gnn, _, late) = ReproductionCharts.HopsSeries(rows);
        Assert.Equal([1.0, 2], hops);
        Assert.Equal([32.6, 34.1], gnn);
        Assert.Equal([32.0, 33.2], late);
        ReproductionCharts.Draw("agg-gnn-hops", 1, rows, Path.Combine(_directory, "hops.png"));
        Assert.True(File.Exists(Path.Combine(_directory, "hops.png")));
    }

    [Fact]
    public void Rows_Of_Another_Reproduction_Are_Refused_With_What_Is_Missing()
    {
        var error = Assert.Throws<ArgumentException>(() => ReproductionCharts.Draw("agg-gnn-hops", 1, [Row("x", ("sumRate", 1))], Path.Combine(_directory, "x.png")));
        Assert.Contains("hops", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "x.png")));
    }

    [Fact]
    public void Png_For_A_Table_Only_Reproduction_Is_A_Usage_Error_Before_Running_It()
    {
        var run = CliRun.Of("reproduce", "wmmse-table1", "--png", Path.Combine(_directory, "t.png"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no chart for reproduction 'wmmse-table1'", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    private static ReproductionRow Row(string label, params (string Key, double Value)[] extra)
        => new(label, 0, 0, 0, extra.ToDictionary(e => e.Key, e => e.Value));
}
