using System.Text.Json;
using Controller.Host.Reproductions;

namespace Controller.Host.Tests.Cli;

/// <summary>Paper 004's centralized comparison and transference (Sec. VI-C) on the committed artifacts; rows recomputed from their fields.</summary>
public sealed class AggGnnProtocolReproductionTests : IDisposable
{
    private static readonly string[] Baselines = ["equalPowerSumRate", "randomFullPowerSumRate", "wmmseBudgetDelay1SumRate"];
    private readonly string _directory = Directory.CreateTempSubdirectory("controller-transfer-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Reproduce_AggGnnCentralized_Compares_Sel_Gnn_With_Agg_Gnn()
    {
        var run = CliRun.Of("reproduce", "agg-gnn-centralized", "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var rows = json.RootElement.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(7, rows.Length);
        var first = rows[0];
        double Field(string name) => first.GetProperty(name).GetDouble();

        Assert.Equal(Field("selGnnSumRate") - Field("aggGnnSumRate"), first.GetProperty("obtained").GetDouble(), 12);
        Assert.Equal(Field("aggGnnSumRate") / Field("selGnnSumRate"), rows[1].GetProperty("obtained").GetDouble(), 12);
        Assert.Equal(Field("selGnnMeanPower") / Field("powerBudget"), rows[2].GetProperty("obtained").GetDouble(), 12);
        Assert.Equal(Field("selGnnSumRate") - Field("wmmseBudgetSumRate"), rows[3].GetProperty("obtained").GetDouble(), 12);
        Assert.InRange(Field("selGnnSumRate"), Field("equalPowerSumRate") * 0.5, Field("equalPowerSumRate") * 3);

        // Fig. 4: the same rows at m = 50, from their own evaluations.
        var fifty = rows[4];
        double Field50(string name) => fifty.GetProperty(name).GetDouble();
        Assert.Equal(50, Field50("pairs"));
        Assert.Equal(Field50("selGnnSumRate") - Field50("aggGnnSumRate"), fifty.GetProperty("obtained").GetDouble(), 12);
        Assert.Equal(Field50("aggGnnSumRate") / Field50("selGnnSumRate"), rows[5].GetProperty("obtained").GetDouble(), 12);
        Assert.Equal(Field50("selGnnMeanPower") / Field50("powerBudget"), rows[6].GetProperty("obtained").GetDouble(), 12);
        Assert.NotEqual(Field("selGnnSumRate"), Field50("selGnnSumRate"));
        Assert.InRange(Field50("selGnnSumRate"), Field50("wmmseBudgetSumRate") * 0.5, Field50("wmmseBudgetSumRate") * 1.5);
    }

    [Fact]
    public void Reproduce_AggGnnTransfer_Reports_Own_New_And_Larger_Networks_And_Draws_Them()
    {
        var png = Path.Combine(_directory, "transfer.png");
        var run = CliRun.Of("reproduce", "agg-gnn-transfer", "--json", "--png", png);
        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var rows = json.RootElement.GetProperty("rows").EnumerateArray().ToArray();
        string Label(JsonElement row) => row.GetProperty("label").GetString()!;
        Assert.Equal(["(a)", "(a)", "(b)", "(b)", "(b)", "(c)", "(c)", "(c)", "(d)", "(d)"], rows.Select(r => Label(r)[..3]));

        // (b): 32 new networks (seed 1 is the training network's: left out), the averages are the per-network means.
        var networks = rows[2];
        Assert.Equal(32, networks.GetProperty("networks").GetDouble());
        var fixedRates = Enumerable.Range(0, 32).Select(i => networks.GetProperty($"network{i:00}AggGnnFixed").GetDouble()).ToArray();
        Assert.Equal(fixedRates.Average(), networks.GetProperty("aggGnnFixedSumRate").GetDouble(), 9);
        var best = Baselines.Max(k => networks.GetProperty(k).GetDouble());
        Assert.Equal(fixedRates.Average() - best, networks.GetProperty("obtained").GetDouble(), 9);
        Assert.Equal(fixedRates.Average() / networks.GetProperty("aggGnnRandomSumRate").GetDouble(), rows[4].GetProperty("obtained").GetDouble(), 9);
        Assert.False(networks.TryGetProperty("network32AggGnnFixed", out _));

        // (c), (d): the sizes and the density they were trained at.
        Assert.Equal([50.0, 75, 100, 75, 100], rows.Skip(5).Select(r => r.GetProperty("pairs").GetDouble()));
        Assert.Equal([25.0, 25, 25, 50, 50], rows.Skip(5).Select(r => r.GetProperty("trainedPairs").GetDouble()));
        Assert.All(rows.Skip(5), r => Assert.Equal(
            r.GetProperty("aggGnnSumRate").GetDouble() - Baselines.Max(k => r.GetProperty(k).GetDouble()),
            r.GetProperty("obtained").GetDouble(),
            12));
        Assert.Equal((byte)0x89, File.ReadAllBytes(png)[0]);
    }

    [Fact]
    public void Transfer_Histogram_Series_Come_From_The_Per_Network_Fields()
    {
        var extra = new Dictionary<string, double>();
        for (var i = 0; i < 3; i++)
        {
            extra[$"network{i:00}AggGnnFixed"] = 20 + i;
            extra[$"network{i:00}AggGnnRandom"] = 21 + i;
            extra[$"network{i:00}WmmseDelayed"] = 19 + i;
            extra[$"network{i:00}EqualPower"] = 15 + i;
        }

        var rows = new[] { new ReproductionRow("(a)", 0, 0, 0), new ReproductionRow("(b)", 0, 0, 0, extra) };
        var series = ReproductionCharts.TransferNetworks(rows);
        Assert.Equal(4, series.Count);
        Assert.Equal([20.0, 21, 22], series[0].Values);
        Assert.Equal([15.0, 16, 17], series[3].Values);
        Assert.Throws<ArgumentException>(() => ReproductionCharts.TransferNetworks([rows[0]]));
    }
}
