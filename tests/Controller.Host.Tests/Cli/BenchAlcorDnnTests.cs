namespace Controller.Host.Tests.Cli;

/// <summary><c>controller bench alcor-dnn</c> on a tiny setting: its JSON, and its refusals.</summary>
public sealed class BenchAlcorDnnTests
{
    [Fact]
    public void Json_HasEveryPolicyPerSize_TheBaselineAtOne_AndSumRatesOfTheirDecisions()
    {
        var run = CliRun.Of("bench", "alcor-dnn", "--users", "5,10", "--slots", "4", "--runs", "3", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using var document = System.Text.Json.JsonDocument.Parse(run.Output);
        var root = document.RootElement;
        Assert.Equal(3, root.GetProperty("runs").GetInt32());
        var rows = root.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(
            ["wmmse", "dnn:alcor-dnn-centralized-n5", "dnn:alcor-dnn-distributed-n5", "alcor(dnn:alcor-dnn-centralized-n5)", "wmmse", "dnn:alcor-dnn-centralized-n10", "dnn:alcor-dnn-distributed-n10", "alcor(dnn:alcor-dnn-centralized-n10)"],
            rows.Select(r => r.GetProperty("policy").GetString()));
        Assert.Equal([5, 5, 5, 5, 10, 10, 10, 10], rows.Select(r => r.GetProperty("users").GetInt32()));
        Assert.Equal(1, rows[0].GetProperty("speedUp").GetDouble());
        Assert.All(rows, r =>
        {
            Assert.True(r.GetProperty("medianMicros").GetDouble() > 0);
            Assert.True(r.GetProperty("speedUp").GetDouble() > 0);
            Assert.InRange(r.GetProperty("sumRate").GetDouble(), 0.1, 20);
        });

        // The network decides differently from WMMSE on the same slots.
        Assert.NotEqual(rows[0].GetProperty("sumRate").GetDouble(), rows[1].GetProperty("sumRate").GetDouble());
    }

    [Theory]
    [InlineData("--users", "7", "Unknown policy artifact 'alcor-dnn-centralized-n7'")]
    [InlineData("--users", "1", "--users")]
    [InlineData("--runs", "0", "--runs")]
    public void BadOptions_AreOneLineAndExitCode2(string option, string value, string expected)
    {
        var run = CliRun.Of("bench", "alcor-dnn", option, value, "--slots", "2");

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }
}
