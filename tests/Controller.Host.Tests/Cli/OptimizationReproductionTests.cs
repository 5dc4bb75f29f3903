using System.Text.Json;

namespace Controller.Host.Tests.Cli;

public sealed class OptimizationReproductionTests
{
    /// <summary>
    /// Paper 000 Sec. 8.1 (Figure 2): Psi 31.77 within 0.1, x = (57.9, 20.99, 20.99) within 0.5 (gradient
    /// feedback) or 1.0 (value feedback, averaged), alpha_i / alpha_1 = 4/3 within 0.02 / 0.03.
    /// </summary>
    [Fact]
    public void Reproduce_DbinumSingleLink_WithinToleranceOfThePaper()
    {
        var run = CliRun.Of("reproduce", "dbinum-single-link", "--json");

        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(run.Output);
        var root = document.RootElement;
        Assert.Equal("dbinum-single-link", root.GetProperty("name").GetString());
        Assert.Contains("000", root.GetProperty("paper").GetString(), StringComparison.Ordinal);
        var rows = root.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(12, rows.Length);
        (string Label, double Paper, double Tolerance)[] expected =
        [
            ("gradient: true utility Psi", 31.77, 0.1), ("gradient: x1", 57.9, 0.5), ("gradient: x2", 20.99, 0.5), ("gradient: x3", 20.99, 0.5),
            ("gradient: alpha2/alpha1", 4.0 / 3, 0.02), ("gradient: alpha3/alpha1", 4.0 / 3, 0.02),
            ("value: true utility Psi", 31.77, 0.1), ("value: x1", 57.9, 1.0), ("value: x2", 20.99, 1.0), ("value: x3", 20.99, 1.0),
            ("value: alpha2/alpha1", 4.0 / 3, 0.03), ("value: alpha3/alpha1", 4.0 / 3, 0.03),
        ];
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(expected[i].Label, rows[i].GetProperty("label").GetString());
            Assert.Equal(expected[i].Paper, rows[i].GetProperty("expected").GetDouble(), 1e-12);
            Assert.Equal(expected[i].Tolerance, rows[i].GetProperty("tolerance").GetDouble());
            Assert.InRange(rows[i].GetProperty("obtained").GetDouble(), expected[i].Paper - expected[i].Tolerance, expected[i].Paper + expected[i].Tolerance);
            Assert.True(rows[i].GetProperty("withinTolerance").GetBoolean());
        }

        // Every row carries the true utility of the run it comes from.
        Assert.All(rows.Take(6), r => Assert.Equal(rows[0].GetProperty("obtained").GetDouble(), r.GetProperty("trueUtility").GetDouble()));
        Assert.All(rows.Skip(6), r => Assert.Equal(rows[6].GetProperty("obtained").GetDouble(), r.GetProperty("trueUtility").GetDouble()));
    }

    /// <summary>Paper 004 eq. 11: message passing equals the masked product form, relative error at most 1e-9.</summary>
    [Fact]
    public void Reproduce_AggGnnExactness_MessagePassingEqualsProductForm()
    {
        var run = CliRun.Of("reproduce", "agg-gnn-exactness", "--json");

        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(run.Output);
        var root = document.RootElement;
        Assert.Equal("agg-gnn-exactness", root.GetProperty("name").GetString());
        Assert.Contains("004", root.GetProperty("paper").GetString(), StringComparison.Ordinal);
        var rows = root.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(2, rows.Length);
        double[] activity = [0.5, 1.0];
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(0, rows[i].GetProperty("expected").GetDouble());
            Assert.Equal(1e-9, rows[i].GetProperty("tolerance").GetDouble());
            Assert.InRange(rows[i].GetProperty("obtained").GetDouble(), 0, 1e-9);
            Assert.InRange(rows[i].GetProperty("activeFraction").GetDouble(), activity[i] - 0.05, activity[i]);
            // The graph must be neither empty nor complete for the check to mean anything.
            Assert.InRange(rows[i].GetProperty("meanNeighbours").GetDouble(), 2, 12);
            Assert.True(rows[i].GetProperty("comparedValues").GetDouble() > 10_000);
        }
    }
}
