using System.Text.Json;

namespace Controller.Host.Tests.Cli;

public sealed class OptimizationReproductionTests
{
    /// <summary>
    /// Paper 000 Sec. 8.1 (Figure 2): Psi 31.77 within 0.1, x = (57.9, 20.99, 20.99) within 0.5 (gradient
    /// feedback) or 1.0 (value feedback, averaged), alpha_i / alpha_1 = 4/3 within 0.02 / 0.03; the same runs
    /// through user and link grains give the same numbers (every round within 1e-12 of the solver).
    /// </summary>
    [Fact]
    public void Reproduce_DbinumSingleLink_WithinToleranceOfThePaperAndGrainsEqualTheSolver()
    {
        var run = CliRun.Of("reproduce", "dbinum-single-link", "--json");

        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(run.Output);
        var root = document.RootElement;
        Assert.Equal("dbinum-single-link", root.GetProperty("name").GetString());
        Assert.Contains("000", root.GetProperty("paper").GetString(), StringComparison.Ordinal);
        var rows = root.GetProperty("rows").EnumerateArray().ToArray();
        (string Label, double Paper, double Tolerance)[] expected =
        [
            .. PaperRows("gradient: ", 0.5, 0.02), .. PaperRows("gradient, grains: ", 0.5, 0.02), ("gradient: grains vs solver, largest |difference|", 0, 1e-12),
            .. PaperRows("value: ", 1.0, 0.03), .. PaperRows("value, grains: ", 1.0, 0.03), ("value: grains vs solver, largest |difference|", 0, 1e-12),
        ];
        Assert.Equal(expected.Length, rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(expected[i].Label, rows[i].GetProperty("label").GetString());
            Assert.Equal(expected[i].Paper, rows[i].GetProperty("expected").GetDouble(), 1e-12);
            Assert.Equal(expected[i].Tolerance, rows[i].GetProperty("tolerance").GetDouble());
            Assert.InRange(rows[i].GetProperty("obtained").GetDouble(), expected[i].Paper - expected[i].Tolerance, expected[i].Paper + expected[i].Tolerance);
            Assert.True(rows[i].GetProperty("withinTolerance").GetBoolean());
        }

        // Every row carries the true utility of the run it comes from; the grains' run is the solver's.
        foreach (var (first, count) in new[] { (0, 6), (6, 7), (13, 6), (19, 7) })
        {
            var psi = rows[first].GetProperty("obtained").GetDouble();
            Assert.All(rows.Skip(first).Take(count), r => Assert.Equal(psi, r.GetProperty("trueUtility").GetDouble()));
        }

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(rows[i].GetProperty("obtained").GetDouble(), rows[i + 6].GetProperty("obtained").GetDouble(), 1e-12);
            Assert.Equal(rows[i + 13].GetProperty("obtained").GetDouble(), rows[i + 19].GetProperty("obtained").GetDouble(), 1e-12);
        }
    }

    /// <summary>
    /// Paper 004 eq. 11: message passing equals the masked product form, relative error at most 1e-9, both by
    /// plain nodes (AggregationNetwork) and through cell grains; the grains carry the same messages, so they
    /// give the plain nodes' numbers exactly.
    /// </summary>
    [Fact]
    public void Reproduce_AggGnnExactness_NetworkAndCellGrainsEqualProductForm()
    {
        var run = CliRun.Of("reproduce", "agg-gnn-exactness", "--json");

        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(run.Output);
        var root = document.RootElement;
        Assert.Equal("agg-gnn-exactness", root.GetProperty("name").GetString());
        Assert.Contains("004", root.GetProperty("paper").GetString(), StringComparison.Ordinal);
        Assert.Contains("cell grains", root.GetProperty("setup").GetString(), StringComparison.Ordinal);
        var rows = root.GetProperty("rows").EnumerateArray().ToArray();
        string[] labels =
        [
            "max relative error, activity 0.5", "cell grains: max relative error, activity 0.5",
            "max relative error, activity 1", "cell grains: max relative error, activity 1",
        ];
        Assert.Equal(labels, rows.Select(r => r.GetProperty("label").GetString()));
        double[] activity = [0.5, 0.5, 1.0, 1.0];
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(0, rows[i].GetProperty("expected").GetDouble());
            Assert.Equal(1e-9, rows[i].GetProperty("tolerance").GetDouble());
            Assert.InRange(rows[i].GetProperty("obtained").GetDouble(), 0, 1e-9);
            Assert.True(rows[i].GetProperty("withinTolerance").GetBoolean());
            Assert.InRange(rows[i].GetProperty("activeFraction").GetDouble(), activity[i] - 0.05, activity[i]);
            // The graph must be neither empty nor complete for the check to mean anything.
            Assert.InRange(rows[i].GetProperty("meanNeighbours").GetDouble(), 2, 12);
            Assert.True(rows[i].GetProperty("comparedValues").GetDouble() > 10_000);
            // K - 1 = 4 scalars per active node and slot, 25 nodes.
            Assert.Equal(4 * 25 * rows[i].GetProperty("activeFraction").GetDouble(), rows[i].GetProperty("meanScalarsSentPerSlot").GetDouble(), 1e-9);
            Assert.Equal(0, rows[i].GetProperty("maxGrainsNetworkDifference").GetDouble());
        }

        // Each level's two rows come from the same run: the grains' error is the plain nodes' to the last bit.
        for (var i = 0; i < rows.Length; i += 2)
        {
            Assert.Equal(rows[i].GetProperty("obtained").GetDouble(), rows[i + 1].GetProperty("obtained").GetDouble());
            Assert.Equal(rows[i].GetProperty("meanScalarsSentPerSlot").GetDouble(), rows[i + 1].GetProperty("meanScalarsSentPerSlot").GetDouble());
        }
    }

    private static (string Label, double Paper, double Tolerance)[] PaperRows(string prefix, double xTolerance, double ratioTolerance) =>
    [
        ($"{prefix}true utility Psi", 31.77, 0.1), ($"{prefix}x1", 57.9, xTolerance), ($"{prefix}x2", 20.99, xTolerance), ($"{prefix}x3", 20.99, xTolerance),
        ($"{prefix}alpha2/alpha1", 4.0 / 3, ratioTolerance), ($"{prefix}alpha3/alpha1", 4.0 / 3, ratioTolerance),
    ];
}
