using Controller.Host.Reproductions;
using Controller.Learning.Alcor;

namespace Controller.Host.Tests.Cli;

/// <summary>
/// Paper 001's neural-allocator reproductions through their own code on reduced budgets with the committed artifacts
/// (the full runs are `controller reproduce alcor-table1 | alcor-table2 | alcor-table3 | alcor-table4-dnn | alcor-fig1`):
/// every row carries the paper's number and a finite result, and the time charts are drawn.
/// </summary>
public sealed class AlcorDnnReproductionTests : IDisposable
{
    private static readonly AlcorDnnBudget Small = new(2, 150, 50);
    private readonly string _directory = Directory.CreateTempSubdirectory("controller-alcor-dnn-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Table1_Rows_Carry_The_Papers_Numbers()
    {
        var rows = new AlcorTable1Reproduction(Small with { Slots = 40 }).Run(1, null, CancellationToken.None);

        // Per kappa: the five columns, then the own-gain ceiling held against the paper's distributed (non-diverse) number.
        Assert.Equal([5.88, 5.63, 5.82, 5.45, 5.88, 5.45, 6.38, 6.30, 6.31, 6.09, 6.8, 6.09, 6.56, 6.56, 6.52, 6.35, 7.29, 6.35, 6.71, 6.72, 6.66, 6.62, 7.72, 6.62], rows.Select(r => r.Expected));
        Assert.All(rows, r => Assert.InRange(r.Obtained, 1, 12));
        var ceilings = rows.Where(r => r.Label.Contains("own-gain ceiling", StringComparison.Ordinal)).ToArray();
        Assert.Equal(4, ceilings.Length);
        Assert.All(ceilings, r =>
        {
            Assert.Equal(RowCheck.AtMost, r.Check);
            Assert.InRange(r.Extra!["thresholdDb"], 10, 25);
            Assert.Contains($"local-threshold:{r.Extra["thresholdDb"].ToString(System.Globalization.CultureInfo.InvariantCulture)} ", r.Label, StringComparison.Ordinal);
            Assert.InRange(r.Extra["greedyOnOffSumRate"], 1, 12);
        });
    }

    [Fact]
    public void Table2_Rows_Carry_The_Papers_Numbers_And_Gp_Meets_Demands_Where_Feasible()
    {
        var rows = new AlcorTable2Reproduction(Small with { Slots = 100 }, [10, 50]).Run(1, null, CancellationToken.None);

        Assert.Equal([5.41, 0, 4.37, 0, 6.82, 0, 3.86, 1e-6, 6.67, 0, 5.95, 0, 6.16, 0, 4.73, 1e-6], rows.Select(r => r.Expected));
        Assert.All(rows.Where(r => r.Label.Contains("sum rate", StringComparison.Ordinal) && !r.Label.Contains("GP", StringComparison.Ordinal)), r => Assert.InRange(r.Obtained, 1, 12));
        Assert.All(rows, r => Assert.True(double.IsFinite(r.Obtained), r.Label)); // NaN would break --json
        Assert.True(rows[^1].WithinTolerance, $"GP shortfall {rows[^1].Obtained}");
        Assert.InRange(rows[^2].Extra!["feasibleFraction"], 0, 1);
    }

    [Fact]
    public void Table3_Rows_Carry_The_Papers_Numbers_And_Figure3_Is_Drawn()
    {
        var reproduction = new AlcorTable3Reproduction(Small, [20], traceSlots: 200);

        var rows = reproduction.Run(1, null, CancellationToken.None);

        Assert.Equal([3.97, 0.00, 5.35, 0.00, 6.58, 60.45, 0.5, 0, 19], rows.Select(r => r.Expected));
        Assert.InRange(rows[^2].Obtained, -1, 1);
        var series = rows[^2].Extra!;
        Assert.Equal(12, AlcorCharts.Users(series).Length);
        Assert.Equal(4, AlcorCharts.Series(series, "lambda19").Slots.Length);
        var path = Path.Combine(_directory, "fig3.png");
        ReproductionCharts.Draw("alcor-table3", 1, rows, path);
        Assert.Equal((byte)0x89, File.ReadAllBytes(path)[0]);
    }

    [Fact]
    public void Fig4_Rows_Carry_The_Captions_Demands_And_The_Chart_Is_Drawn()
    {
        var rows = new AlcorFig4Reproduction(slots: 200).Run(1, null, CancellationToken.None);

        // Three demand groups against their demands, the sum rate against the demands' sum (5 x 2 + 6 x 3 + 5 = 33), viol.
        Assert.Equal([2, 3, 5, 33, 0], rows.Select(r => r.Expected));
        Assert.All(rows.Take(3), r => Assert.InRange(r.Obtained, 0, 12));
        Assert.InRange(rows[^1].Obtained, 0, 100);
        var series = rows[^1].Extra!;
        Assert.Equal(12, AlcorCharts.Users(series).Length);
        Assert.Equal(5, series["demand31"]);
        var path = Path.Combine(_directory, "fig4.png");
        ReproductionCharts.Draw("alcor-fig4", 1, rows, path);
        Assert.Equal((byte)0x89, File.ReadAllBytes(path)[0]);
    }

    [Fact]
    public void Table4Dnn_Rows_Carry_The_Papers_Numbers()
    {
        var rows = new AlcorTable4DnnReproduction(Small).Run(1, null, CancellationToken.None);

        Assert.Equal(24, rows.Count);
        Assert.Equal([5.80, 0, 5.24, 0, 5.66, 0, 5.35, 100], rows.Take(8).Select(r => r.Expected));
        Assert.Equal([4.90, 0, 4.35, 0.78, 5.41, 70.80, 5.35, 30.04], rows.Skip(16).Select(r => r.Expected));
        Assert.All(rows, r => Assert.True(double.IsFinite(r.Obtained), r.Label));
    }

    [Fact]
    public void Fig1_Rows_Carry_The_Three_Schemes_And_The_Chart_Is_Drawn()
    {
        var meta = new AlcorMetaOptions { MetaSteps = 2, Tasks = 2, Batch = 20 };
        var rows = new AlcorFig1Reproduction(slots: 300, burnInSlots: 100, meta: meta).Run(1, null, CancellationToken.None);

        Assert.Equal([0.49, 0.49, 0.98, 0.98, 1.96, 5], rows.Take(6).Select(r => Math.Round(r.Expected, 2)));
        foreach (var scheme in new[] { "ALCOR", "vanilla learning", "meta-learning" })
        {
            var settled = Assert.Single(rows, r => r.Label.StartsWith($"{scheme}: slots until", StringComparison.Ordinal));
            Assert.InRange(settled.Obtained, 249, 300);
            var viol = Assert.Single(rows, r => r.Label.StartsWith($"{scheme}: final viol", StringComparison.Ordinal));
            Assert.InRange(viol.Obtained, 0, 100);
        }

        Assert.Equal(5, rows.Count(r => r.Label.StartsWith("claim ", StringComparison.Ordinal)));
        Assert.Contains(rows[0].Extra!.Keys, k => k.StartsWith("vanillaRate05Slot", StringComparison.Ordinal));
        Assert.Contains(rows[0].Extra!.Keys, k => k.StartsWith("metaRate05Slot", StringComparison.Ordinal));
        var path = Path.Combine(_directory, "fig1.png");
        ReproductionCharts.Draw("alcor-fig1", 1, rows, path);
        Assert.Equal((byte)0x89, File.ReadAllBytes(path)[0]);
    }

    [Fact]
    public void Rank_Correlation_Of_Hand_Checked_Vectors()
    {
        Assert.Equal(1, AlcorTable3Reproduction.RankCorrelation([1, 2, 3], [10, 20, 30]), 12);
        Assert.Equal(-1, AlcorTable3Reproduction.RankCorrelation([1, 2, 3], [3, 2, 1]), 12);
        Assert.Equal(0.5, AlcorTable3Reproduction.RankCorrelation([1, 2, 3], [1, 3, 2]), 12);
    }

    [Fact]
    public void Catalog_Knows_Them_All()
    {
        foreach (var name in new[] { "alcor-table1", "alcor-table2", "alcor-table3", "alcor-table4-dnn", "alcor-fig1", "alcor-fig4" })
        {
            Assert.Contains("001", ReproductionCatalog.Get(name).Paper, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Eval_Of_A_Network_On_More_Links_Than_It_Serves_Is_A_One_Line_Error()
    {
        var run = CliRun.Of("eval", "--scenario", "gaussian-ic", "--set", "links=25", "--policy", "dnn:alcor-dnn-centralized-n20", "--configs", "2", "--slots", "10");

        Assert.Equal(2, run.ExitCode);
        // stderr holds eval's header line and then the error, one line.
        var error = Assert.Single(run.Error.Trim().Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains("at most 20 users", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--kind", "fixed", "--demands")]
    [InlineData("--kind", "sideways", "--kind")]
    [InlineData("--users", "1", "--users")]
    [InlineData("--init-from", "no-such-artifact-dir", "--init-from: ")]
    public void Bad_Train_Options_Are_One_Line_Usage_Errors_And_Write_Nothing(string option, string value, string named)
    {
        var output = Path.Combine(_directory, "bad");
        string[] kind = option == "--kind" ? [] : ["--kind", "centralized"];
        var run = CliRun.Of(["train", "alcor-dnn", "--out", output, .. kind, option, value]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(named, run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Trim().Split('\n'));
        Assert.False(Directory.Exists(output));
    }
}
