using Controller.Policies.ArtifactFormat;

namespace Controller.Host.Tests.Cli;

/// <summary><c>controller train</c> end to end: a tiny model trained for two epochs is imported and run by a region.</summary>
[Collection(TimedDemoRunsAlone.Name)]
public sealed class TrainCommandTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("train-cli-");

    public void Dispose() => _root.Delete(recursive: true);

    private string StateDir => Path.Combine(_root.FullName, "state");

    [Fact]
    public void Resilient_Gnn_Trained_Two_Epochs_Is_Imported_And_Run_By_A_Region()
    {
        var output = Path.Combine(_root.FullName, "tiny-gnn");
        var train = CliRun.Of("train", "resilient-gnn", "--out", output, "--name", "tiny-gnn", "--aps", "2", "--users", "8", "--slots", "110", "--train-configs", "4", "--val-configs", "2", "--test-configs", "2", "--epochs", "2", "--batch", "2");
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Contains("tiny-gnn: epoch 2/2", train.Error, StringComparison.Ordinal);
        Assert.Contains("wrote " + output, train.Output, StringComparison.Ordinal);
        // The served-users check of 'policy import' runs on the fresh artifact (a warning or a pass, both name the scenario).
        Assert.Matches(@"\n(check: every one of the 8 users|warning: \d+ of 8 users).* validation configurations of resilient-rrm \(aps=2, ", train.Output.ReplaceLineEndings("\n"));

        var manifest = PolicyManifest.Read(Path.Combine(output, PolicyManifest.FileName));
        Assert.Equal("controller train resilient-gnn --out " + output + " --name tiny-gnn --aps 2 --users 8 --slots 110 --train-configs 4 --val-configs 2 --test-configs 2 --epochs 2 --batch 2", manifest.Training!.Other["command"].GetString());
        Assert.True(manifest.Training.Other["wallSeconds"].GetDouble() > 0);
        foreach (var file in new[] { "curves.png", "history.csv", "slack.csv", "slack.png" })
        {
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        }

        Assert.Equal(0, CliRun.Of("policy", "import", output, "--state-dir", StateDir).ExitCode);
        var run = CliRun.Of("demo", "--silo-port", "0", "--gateway-port", "0", "--policy", "gnn:tiny-gnn", "--regions", "1", "--set", "users=8", "--set", "aps=2", "--period", "20", "--duration", "2", "--listen", "none", "--view", "lines", "--state-dir", StateDir);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("failed loops 0", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Agg_Gnn_Trained_Two_Epochs_Is_An_Artifact_Eval_Runs()
    {
        var output = Path.Combine(_root.FullName, "tiny-agg");
        var train = CliRun.Of("train", "agg-gnn", "--out", output, "--name", "tiny-agg", "--pairs", "6", "--train-configs", "4", "--val-configs", "2", "--test-configs", "0", "--epochs", "2", "--train-slots", "8", "--slots", "10");
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Equal("agg-gnn", PolicyArtifact.Load(output).Manifest.Architecture);
        Assert.Equal(0, CliRun.Of("policy", "import", output, "--state-dir", StateDir).ExitCode);
    }

    [Fact]
    public void An_Existing_Artifact_Is_Not_Overwritten_Without_Asking()
    {
        var output = Path.Combine(_root.FullName, "kept");
        string[] args = ["train", "agg-gnn", "--out", output, "--pairs", "4", "--train-configs", "2", "--val-configs", "1", "--test-configs", "0", "--epochs", "1", "--train-slots", "4", "--slots", "4"];
        Assert.Equal(0, CliRun.Of(args).ExitCode);
        var before = File.ReadAllBytes(Path.Combine(output, "model.safetensors"));

        var again = CliRun.Of(args);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already holds an artifact (add --overwrite", again.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(output, "model.safetensors")));
        Assert.Equal(0, CliRun.Of([.. args, "--overwrite"]).ExitCode);
    }

    [Theory]
    [InlineData("--epochs", "0", "Epochs")]
    [InlineData("--batch", "0", "Batch")]
    [InlineData("--lr", "-1", "LearningRate")]
    [InlineData("--budget-margin", "1.5", "BudgetMargin")]
    public void Out_Of_Range_Options_Are_One_Line_Usage_Errors_And_Write_Nothing(string option, string value, string named)
    {
        var output = Path.Combine(_root.FullName, "bad");
        var run = CliRun.Of("train", "agg-gnn", "--out", output, option, value);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
        Assert.Contains(named, run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Trim().Split('\n'));
        Assert.False(Directory.Exists(output));
    }
}
