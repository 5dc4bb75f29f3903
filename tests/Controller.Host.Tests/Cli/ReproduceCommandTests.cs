using System.Text.Json;

namespace Controller.Host.Tests.Cli;

public sealed class ReproduceCommandTests
{
    /// <summary>Paper 001 Table I, WMMSE column: 5.88 / 6.8 / 7.29 / 7.72 at kappa = 0.25 / 0.5 / 0.75 / 1, within 0.15.</summary>
    [Fact]
    public void Reproduce_WmmseTable1_WithinToleranceOfThePaper()
    {
        var run = CliRun.Of("reproduce", "wmmse-table1", "--json");

        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(run.Output);
        var root = document.RootElement;
        Assert.Equal("wmmse-table1", root.GetProperty("name").GetString());
        Assert.Contains("001", root.GetProperty("paper").GetString(), StringComparison.Ordinal);
        var rows = root.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(4, rows.Length);
        double[] paper = [5.88, 6.8, 7.29, 7.72];
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(paper[i], rows[i].GetProperty("expected").GetDouble());
            Assert.InRange(rows[i].GetProperty("obtained").GetDouble(), paper[i] - 0.15, paper[i] + 0.15);
        }
    }
}
