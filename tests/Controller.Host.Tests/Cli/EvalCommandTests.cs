using System.Text.Json;

namespace Controller.Host.Tests.Cli;

public sealed class EvalCommandTests
{
    [Fact]
    public void Eval_Json_PrintsOneObjectWithTheMetrics()
    {
        var run = CliRun.Of("eval", "--scenario", "gaussian-ic", "--set", "links=6", "--set", "demands=0.5", "--policy", "wmmse", "--seed", "7", "--configs", "3", "--slots", "20", "--json");

        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(run.Output);
        var root = document.RootElement;
        Assert.Equal("gaussian-ic", root.GetProperty("scenario").GetString());
        Assert.Equal("wmmse", root.GetProperty("policy").GetString());
        Assert.Equal(7UL, root.GetProperty("seed").GetUInt64());
        var metrics = root.GetProperty("metrics");
        foreach (var name in new[] { "sumRate", "meanRate", "p5Rate", "satisfiedFraction", "violationPct", "meanPower" })
        {
            Assert.Equal(JsonValueKind.Number, metrics.GetProperty(name).ValueKind);
        }

        Assert.True(metrics.GetProperty("p5Rate").GetDouble() <= metrics.GetProperty("meanRate").GetDouble());
        Assert.Contains("eval: 3/3 configurations", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_Isac_BothIsacPoliciesBesideAPowerOnlyBaseline()
    {
        var run = CliRun.Of("eval", "--scenario", "isac", "--policy", "isac-robust:2,isac-nonrobust:2,full-reuse", "--configs", "2", "--slots", "2", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using var document = JsonDocument.Parse(run.Output);
        var results = document.RootElement.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(["isac-robust:2", "isac-nonrobust:2", "full-reuse"], results.Select(r => r.GetProperty("policy").GetString()));
        foreach (var result in results)
        {
            var isac = result.GetProperty("isac");
            Assert.True(isac.GetProperty("nominalWsr").GetDouble() > 0);
            Assert.True(isac.GetProperty("trueWsr").GetDouble() > 0);
            Assert.True(isac.GetProperty("crlb").GetDouble() > 0);
            Assert.True(result.GetProperty("decideMs").GetDouble() >= 0);
            // On the isac scenario the users' rates are the full model's under the true channel.
            Assert.Equal(isac.GetProperty("trueWsr").GetDouble(), result.GetProperty("metrics").GetProperty("sumRate").GetDouble(), 9);
        }

        var table = CliRun.Of("eval", "--scenario", "isac", "--policy", "isac-robust:1,isac-nonrobust:1", "--configs", "1", "--slots", "1");
        Assert.True(table.ExitCode == 0, table.Error);
        Assert.Contains("WSR est.", table.Output, StringComparison.Ordinal);
        Assert.Contains("CRLB m^2", table.Output, StringComparison.Ordinal);
        Assert.Contains("isac-robust:1", table.Output, StringComparison.Ordinal);
        Assert.Contains("isac-nonrobust:1", table.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_NoDemands_DemandMetricsAreNull()
    {
        var run = CliRun.Of("eval", "--scenario", "agg-gnn", "--set", "pairs=5", "--policy", "equal-power", "--configs", "2", "--slots", "5", "--json");

        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(run.Output);
        var metrics = document.RootElement.GetProperty("metrics");
        Assert.Equal(JsonValueKind.Null, metrics.GetProperty("satisfiedFraction").ValueKind);
        Assert.Equal(JsonValueKind.Null, metrics.GetProperty("violationPct").ValueKind);
        // Equal power spends exactly the budget in every slot.
        Assert.Equal(metrics.GetProperty("powerBudget").GetDouble(), metrics.GetProperty("meanPower").GetDouble(), 6);
    }

    [Fact]
    public void Eval_SameSeedTwice_SameOutput()
    {
        string[] args = ["eval", "--scenario", "resilient-rrm", "--set", "aps=3", "--set", "users=12", "--policy", "itlinq", "--seed", "11", "--configs", "3", "--slots", "130", "--json"];

        var first = JsonDocument.Parse(CliRun.Of(args).Output).RootElement.GetProperty("metrics").GetRawText();
        var second = JsonDocument.Parse(CliRun.Of(args).Output).RootElement.GetProperty("metrics").GetRawText();

        Assert.Equal(first, second);
    }

    [Fact]
    public void Eval_Text_PrintsReadableSummary()
    {
        var run = CliRun.Of("eval", "--scenario", "alcor-cellular", "--policy", "itlinq", "--configs", "2", "--slots", "10");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("sum rate", run.Output, StringComparison.Ordinal);
        Assert.Contains("p5 rate", run.Output, StringComparison.Ordinal);
    }
}

public sealed class BenchCommandTests
{
    [Fact]
    public void BenchRuntime_Json_PrintsTheIssueFields()
    {
        var run = CliRun.Of("bench", "runtime", "--grains", "50", "--calls", "2000", "--concurrency", "4", "--latency-calls", "200", "--json");

        Assert.Equal(0, run.ExitCode);
        using var document = System.Text.Json.JsonDocument.Parse(run.Output);
        var root = document.RootElement;
        foreach (var name in new[] { "callsPerSecond", "p50Micros", "p99Micros", "baselineCallsPerSecond" })
        {
            Assert.True(root.GetProperty(name).GetDouble() > 0, name);
        }

        Assert.True(root.GetProperty("p50Micros").GetDouble() <= root.GetProperty("p99Micros").GetDouble());
        Assert.Equal(50, root.GetProperty("grains").GetInt32());
    }

    [Fact]
    public void BenchInference_Json_RowsOfBothComparisonsWithOneNodesPart()
    {
        var run = CliRun.Of("bench", "inference", "--users", "40,100", "--instances", "2", "--repetitions", "3", "--runs", "1", "--batches", "3", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using var document = System.Text.Json.JsonDocument.Parse(run.Output);
        var root = document.RootElement;
        var rows = root.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal([40, 100], rows.Select(r => r.GetProperty("users").GetInt32()));
        Assert.All(rows, row => Assert.True(row.GetProperty("gnnMicros").GetDouble() > 0 && row.GetProperty("wmmseMicros").GetDouble() > 0, row.GetRawText()));
        var aggRows = root.GetProperty("aggGnnRows").EnumerateArray().ToArray();
        Assert.Equal([40, 100], aggRows.Select(r => r.GetProperty("pairs").GetInt32()));
        foreach (var row in aggRows)
        {
            var node = row.GetProperty("nodeMicros").GetDouble();
            Assert.True(node > 0 && row.GetProperty("aggGnnMicros").GetDouble() > 0, row.GetRawText());
            Assert.InRange(row.GetProperty("nodeRatio").GetDouble() / (row.GetProperty("wmmseMicros").GetDouble() / node), 0.99, 1.01);
        }
    }

    [Fact]
    public void BenchInference_Json_BackendRowsPerBackendAndBatchBesideWmmseAndPyTorch()
    {
        var figures = Path.GetTempFileName();
        try
        {
            File.WriteAllText(figures, """{"source": "a test's numbers", "rows": [{"users": 40, "batch": 4, "medianMicros": 400.0, "p99Micros": 500.0}]}""");
            var run = CliRun.Of(
                "bench", "inference", "--users", "40", "--instances", "2", "--repetitions", "3", "--batch-sizes", "1,4", "--runs", "2", "--batches", "5", "--pytorch-figures", figures, "--json");

            Assert.True(run.ExitCode == 0, run.Error);
            using var document = System.Text.Json.JsonDocument.Parse(run.Output);
            var root = document.RootElement;
            Assert.Equal("a test's numbers", root.GetProperty("pytorchSource").GetString());
            var rows = root.GetProperty("backendRows").EnumerateArray().ToArray();
            Assert.Equal(["managed/1", "managed/4", "torchsharp/1", "torchsharp/4"], rows.Select(r => $"{r.GetProperty("backend").GetString()}/{r.GetProperty("batch").GetInt32()}"));
            var wmmse = root.GetProperty("rows")[0].GetProperty("wmmseMicros").GetDouble();
            foreach (var row in rows)
            {
                var median = row.GetProperty("medianBatchMicros").GetDouble();
                Assert.True(median > 0 && row.GetProperty("p99BatchMicros").GetDouble() >= median, row.GetRawText());
                Assert.Equal(2, row.GetProperty("runMedianBatchMicros").GetArrayLength());
                Assert.Equal("cpu", row.GetProperty("device").GetString());
                Assert.Equal(40, row.GetProperty("users").GetInt32());
                Assert.InRange(row.GetProperty("decisionsPerSecond").GetDouble() / (row.GetProperty("batch").GetInt32() * 1e6 / median), 0.99, 1.01);
                Assert.Equal(wmmse, row.GetProperty("wmmseMicros").GetDouble());
            }

            Assert.Equal(System.Text.Json.JsonValueKind.Null, rows[0].GetProperty("pytorch").ValueKind);
            var torch = rows[3].GetProperty("pytorch");
            Assert.Equal(10_000, torch.GetProperty("decisionsPerSecond").GetDouble());
            Assert.Equal(500, torch.GetProperty("p99BatchMicros").GetDouble());
        }
        finally
        {
            File.Delete(figures);
        }
    }

    [Fact]
    public void BenchInference_BadPyTorchFigures_OneLineError()
    {
        var figures = Path.GetTempFileName();
        try
        {
            File.WriteAllText(figures, """{"rows": [{"users": 40}]}""");
            var run = CliRun.Of("bench", "inference", "--users", "40", "--pytorch-figures", figures);

            Assert.Equal(2, run.ExitCode);
            Assert.Single(run.Error.Trim().Split('\n'));
            Assert.Contains("--pytorch-figures", run.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(figures);
        }
    }

    [Fact]
    public void BenchInference_UnknownBackend_UsageError()
    {
        var run = CliRun.Of("bench", "inference", "--backends", "managed,torch");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--backends takes managed and/or torchsharp, comma-separated (got 'torch')", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void BenchRuntime_ConcurrencyAboveCalls_UsageError()
    {
        var run = CliRun.Of("bench", "runtime", "--calls", "10", "--concurrency", "20");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--concurrency (20) cannot exceed --calls (10)", run.Error, StringComparison.Ordinal);
    }
}
