using Controller.Host.Reproductions;

namespace Controller.Host.Tests.Cli;

/// <summary>
/// Paper 002's Fig. 5 (isac-convergence) through the reproduction's own code on a reduced setting (N = 3, one target, two
/// preference vectors, a few iterations and layers of the committed BOBLRBF-DNN), and <c>bench isac</c>'s options. Nothing
/// here asserts on wall time.
/// </summary>
public sealed class IsacConvergenceTests : IDisposable
{
    private static readonly KeyValuePair<string, string>[] Small = [new("antennas", "3"), new("targets", "1")];
    private readonly string _directory = Directory.CreateTempSubdirectory("controller-isac-convergence-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void IsacConvergence_ReducedSetting_RowsCarryTheChartsSeriesAndTheClaims()
    {
        var reproduction = new IsacConvergenceReproduction(Small, 2, [0, 2, 5], [0, 2, 4], 1);

        var rows = reproduction.Run(1, null, CancellationToken.None);

        // Three BOBLRBF budgets, three DNN budgets, four claims.
        Assert.Equal(10, rows.Count);
        var series = ReproductionCharts.IsacConvergenceSeries(rows);
        Assert.Equal([0, 1], series.Select(s => s.Method));
        Assert.Equal([0.0, 2, 5], series[0].Iterations);
        Assert.Equal([0.0, 2, 4], series[1].Iterations);
        Assert.All(series, s => Assert.All(s.Seconds, t => Assert.True(t >= 0 && double.IsFinite(t))));

        // Both start from BOBLRBF's start: the same front before any iteration or layer.
        Assert.Equal(series[0].Hypervolume[0], series[1].Hypervolume[0], 9);
        Assert.All(series, s => Assert.True(s.Hypervolume[^1] > s.Hypervolume[0], "each method improves on the start"));
        Assert.Contains(rows, r => r.Label.Contains("up to 50x", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Label.Contains("final hypervolume", StringComparison.Ordinal));

        var path = Path.Combine(_directory, "convergence.png");
        ReproductionCharts.Draw("isac-convergence", 1, rows, path);
        Assert.Equal((byte)0x89, File.ReadAllBytes(path)[0]);
        Assert.Contains("Fig. 5", ReproductionCatalog.Get("isac-convergence").Paper, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainBoblrbfDnn_Tiny_LogsTheDeviceAndEpochsAndWritesALoadableArtifact()
    {
        var output = Path.Combine(_directory, "tiny-dnn");
        var run = CliRun.Of(
            "train", "boblrbf-dnn", "--out", output, "--epochs", "2", "--layers", "2", "--hidden", "4", "--batch", "2", "--preferences", "2",
            "--train-instances", "2", "--val-instances", "1", "--set", "antennas=3");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("boblrbf-dnn: training on cpu", run.Error, StringComparison.Ordinal);
        Assert.Contains("epoch 2/2", run.Error, StringComparison.Ordinal);
        var artifact = Controller.Policies.ArtifactFormat.PolicyArtifact.Load(output);
        Assert.Equal("boblrbf-dnn-y2", artifact.Manifest.Name);
        Assert.Equal("3", artifact.Manifest.Training!.Settings["antennas"]);
        using var solver = Controller.Learning.Isac.BoblrbfDnnSolver.Load(output, allowCuda: false);
        Assert.Equal(2, solver.Layers);
    }

    [Theory]
    [InlineData("users out of range", "--users takes whole numbers in [1, 32]", "bench", "isac", "--users", "0")]
    [InlineData("users not a number", "--users takes whole numbers", "bench", "isac", "--users", "1,x")]
    [InlineData("no runs", "--runs", "bench", "isac", "--runs", "0")]
    [InlineData("missing artifact", "is not a directory holding a boblrbf-dnn artifact", "bench", "isac", "--artifact", "/nonexistent/boblrbf")]
    [InlineData("train: no layers", "--layers must lie in [1, 1024]", "train", "boblrbf-dnn", "--out", "/tmp/never-written-boblrbf", "--layers", "0")]
    [InlineData("train: bad setting", "--set", "train", "boblrbf-dnn", "--out", "/tmp/never-written-boblrbf", "--set", "users=0")]
    public void BenchIsacAndTrain_BadOptions_OneLineAndExitCode2(string because, string expected, params string[] args)
    {
        var run = CliRun.Of(args);

        Assert.True(run.ExitCode == 2, $"{because}: exit code {run.ExitCode}; {run.Error}");
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists("/tmp/never-written-boblrbf"));
    }

    [Fact]
    public void PolicyImport_BoblrbfDnnArtifact_RefusedAsNotAnAllocationPolicy()
    {
        var artifact = Controller.Learning.Isac.BoblrbfDnnSolver.DefaultArtifactDirectory;
        Assert.True(Directory.Exists(artifact), artifact);

        var run = CliRun.Of("policy", "import", artifact, "--state-dir", Path.Combine(_directory, "state"));

        Assert.True(run.ExitCode == 2, $"exit code {run.ExitCode}; {run.Error}");
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("not an allocation policy", line, StringComparison.Ordinal);
    }

    [Fact]
    public void BenchIsac_Json_RowsPerSizeWithTheRatioAndThePapersClaim()
    {
        var run = CliRun.Of("bench", "isac", "--users", "1,2", "--instances", "1", "--runs", "1", "--preferences", "2", "--iterations", "3", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using var document = System.Text.Json.JsonDocument.Parse(run.Output);
        var root = document.RootElement;
        Assert.Equal(50, root.GetProperty("paperSpeedUp").GetDouble());
        var rows = root.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal([1, 2], rows.Select(r => r.GetProperty("usersPerBaseStation").GetInt32()));
        foreach (var row in rows)
        {
            Assert.Equal(2, row.GetProperty("solutions").GetInt32());
            foreach (var name in new[] { "boblrbfPerSecond", "dnnBatchedPerSecond", "dnnOneAtATimePerSecond", "dnnBatchedNetworkOnlyPerSecond", "dnnOneAtATimeNetworkOnlyPerSecond", "boblrbfMeanHypervolume", "dnnMeanHypervolume" })
            {
                Assert.True(row.GetProperty(name).GetDouble() > 0, name);
            }

            var ratio = row.GetProperty("dnnBatchedPerSecond").GetDouble() / row.GetProperty("boblrbfPerSecond").GetDouble();
            Assert.Equal(ratio, row.GetProperty("batchedRatio").GetDouble(), 9);
        }
    }
}
