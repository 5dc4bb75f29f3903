using Controller.Host.Reproductions;
using Controller.Optimization.Isac;

namespace Controller.Host.Tests.Cli;

/// <summary>
/// Paper 002's Figs. 3 and 4 through the reproductions' own code on a smaller instance (N = 4, one target, four
/// preference vectors, 100 iterations; the paper's setup runs in `controller reproduce isac-pareto | isac-power`).
/// </summary>
public sealed class IsacReproductionTests : IDisposable
{
    private static readonly KeyValuePair<string, string>[] Small = [new("antennas", "4"), new("targets", "1")];
    private static readonly BoblrbfOptions Options = new() { Preferences = 4, MaxIterations = 100 };
    private readonly string _directory = Directory.CreateTempSubdirectory("controller-isac-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void IsacPareto_SmallInstance_EveryClaimHoldsAndTheChartIsDrawn()
    {
        var reproduction = new IsacParetoReproduction(Small, Options, [0, 0.1]);

        var rows = reproduction.Run(1, null, CancellationToken.None);

        // Two fronts, then the hypervolume and best-WSR falls, then robust against the eps = 0 designs.
        Assert.Equal(5, rows.Count);
        Assert.All(rows, r => Assert.True(r.WithinTolerance, $"{r.Label}: {r.Obtained} ({r.Verdict})"));
        var series = ReproductionCharts.IsacFrontSeries(rows, "eps");
        Assert.Equal([0.0, 0.1], series.Select(s => s.Value));
        Assert.All(series, s => Assert.Equal(Options.Preferences, s.Crlb.Length));
        var path = Path.Combine(_directory, "pareto.png");
        ReproductionCharts.Draw("isac-pareto", 1, rows, path);
        Assert.Equal((byte)0x89, File.ReadAllBytes(path)[0]);
    }

    [Fact]
    public void IsacPower_SmallInstance_MorePowerImprovesBoth()
    {
        var reproduction = new IsacPowerReproduction(Small, Options, [10, 40], 0.05);

        var rows = reproduction.Run(1, null, CancellationToken.None);

        Assert.Equal(5, rows.Count);
        Assert.All(rows, r => Assert.True(r.WithinTolerance, $"{r.Label}: {r.Obtained} ({r.Verdict})"));
        ReproductionCharts.Draw("isac-power", 1, rows, Path.Combine(_directory, "power.png"));
        Assert.True(File.Exists(Path.Combine(_directory, "power.png")));
    }

    [Fact]
    public void Catalog_HasBothWithThePapersSetup()
    {
        Assert.Contains("paper's setup", ReproductionCatalog.Get("isac-pareto").Setup, StringComparison.Ordinal);
        Assert.Contains("Fig. 4", ReproductionCatalog.Get("isac-power").Paper, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ReproductionCharts.Draw("isac-power", 1, [new ReproductionRow("x", 0, 0, 0)], Path.Combine(_directory, "x.png")));
    }
}
