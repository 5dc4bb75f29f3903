using Controller.Learning.Models;
using Controller.Learning.Training;
using Controller.Policies;
using Controller.Policies.ArtifactFormat;
using Controller.Policies.Models;
using Controller.Radio.Evaluation;
using Controller.Radio.Scenarios;
using static TorchSharp.torch;

namespace Controller.Learning.Tests;

/// <summary>Paper 004's centralized selection GNN: trained by the Agg-GNN's trainer, run by the controller's managed model.</summary>
public sealed class SelGnnTests
{
    private static readonly AggTrainingOptions Tiny = new()
    {
        Architecture = SelGnnHyperparameters.Name,
        Epochs = 2,
        Batch = 4,
        Pairs = 7,
        Hops = 3,
        TrainConfigurations = 8,
        TrainSlots = 10,
        ValidationConfigurations = 4,
        TestConfigurations = 3,
        Slots = 12,
        Baselines = "equal-power",
        Command = "test",
    };

    [Fact]
    public void Tiny_Training_Writes_An_Artifact_The_Controller_Runs_And_Both_Models_Agree()
    {
        var directory = Path.Combine(Path.GetTempPath(), "controller-sel-" + Guid.NewGuid().ToString("N"));
        try
        {
            var outcome = AggTrainer.Train(Tiny with { Network = 3 });
            var artifact = ArtifactWriter.Write(Path.Combine(directory, "tiny-sel"), outcome);

            var manifest = artifact.Manifest;
            Assert.Equal("sel-gnn-m7-net3", manifest.Name);
            Assert.Equal(new SelGnnHyperparameters(AggTrainer.Layers, AggTrainer.FilterLength, 1000), manifest.Hyperparameters);
            var inputs = Assert.IsType<ChannelGraphInputs>(manifest.Inputs);
            Assert.True(inputs.StateScale > 0);
            Assert.Equal("3", manifest.Training!.Settings["network"]);
            Assert.True(manifest.Evaluation!.Value.GetProperty("model").GetProperty("sumRate").GetDouble() > 0);

            // The TorchSharp network with the artifact's weights and the managed model agree on fresh channels.
            using var net = TorchArtifacts.LoadSel(artifact);
            using var data = AggData.Create(Tiny.ScenarioSettings(), seed: 77, configurations: 2, slots: 5);
            using var noGrad = no_grad();
            using var logits = net.Logits(data, 0, 2);
            var torchQ = logits.sigmoid().to(ScalarType.Float64).data<double>().ToArray();
            var model = new SelGnnModel(SelGnnWeights.From(artifact));
            var gains = data.SnrGains.to(ScalarType.Float64).data<double>().ToArray();
            var deciding = data.Deciding.data<bool>().ToArray();
            var m = Tiny.Pairs;
            var q = new double[m];
            var largest = 0.0;
            for (var g = 0; g < 2 * 5; g++)
            {
                model.Run(m, gains.AsSpan(g * m * m, m * m), 1, deciding.AsSpan(g * m, m), q);
                for (var i = 0; i < m; i++)
                {
                    largest = Math.Max(largest, Math.Abs(q[i] - torchQ[(g * m) + i]));
                }
            }

            Assert.InRange(largest, 0, 1e-5);

            // The controller runs it as sel-gnn:NAME.
            var scenario = ScenarioCatalog.Get("agg-gnn");
            var settings = scenario.Resolve([new("pairs", "7")]);
            var result = Evaluator.Run(new EvaluationRequest(scenario, settings, "sel-gnn:tiny-sel", Seed: 1, Configurations: 2, Slots: 20, new LearnedPolicies(directory)));
            Assert.True(result.Metrics.MeanRate > 0);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public void Same_Seed_Same_Weights_Other_Seed_Other_Weights()
    {
        var options = Tiny with { TestConfigurations = 0 };
        var first = AggTrainer.Train(options);
        var second = AggTrainer.Train(options);
        var other = AggTrainer.Train(options with { Seed = 2 });

        Assert.Equal(first.Tensors.SelectMany(t => t.Values.ToArray()), second.Tensors.SelectMany(t => t.Values.ToArray()));
        Assert.NotEqual(first.Tensors.SelectMany(t => t.Values.ToArray()), other.Tensors.SelectMany(t => t.Values.ToArray()));
    }

    [Fact]
    public void Shape_Errors_Are_Caught_Before_Libtorch()
    {
        using var net = new SelGnnNet(new SelGnnHyperparameters(2, 3, 10), 1);
        using var gains = ones(2, 4, 4);
        using var deciding = ones(2, 5, dtype: ScalarType.Bool);
        Assert.Throws<ArgumentException>(() => net.Logits(gains, deciding));
    }
}
