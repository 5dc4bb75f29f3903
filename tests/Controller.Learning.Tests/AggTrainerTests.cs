using System.Text.Json;
using Controller.Learning.Models;
using Controller.Learning.Training;
using Controller.Policies;
using Controller.Policies.ArtifactFormat;
using Controller.Policies.Models;
using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;
using static TorchSharp.torch;

namespace Controller.Learning.Tests;

public sealed class AggTrainerTests
{
    /// <summary>A run small enough for a test: 6 pairs, K = 3, a handful of short configurations, 2 epochs.</summary>
    private static readonly AggTrainingOptions Tiny = new()
    {
        Epochs = 2,
        Batch = 4,
        Pairs = 6,
        Hops = 3,
        TrainConfigurations = 8,
        TrainSlots = 10,
        ValidationConfigurations = 4,
        TestConfigurations = 0,
        Slots = 12,
        Command = "test",
    };

    [Fact]
    public void Tiny_Training_Writes_An_Artifact_That_Loads_With_Evaluation_History_And_Curves()
    {
        var directory = Path.Combine(Path.GetTempPath(), "controller-agg-" + Guid.NewGuid().ToString("N"));
        try
        {
            var reports = new List<EpochProgress>();
            var options = Tiny with { TestConfigurations = 4, Baselines = "equal-power,wmmse-budget:{K}", Awake = 0.7, EdgeThreshold = 0.01 };
            var outcome = AggTrainer.Train(options, new SynchronousProgress(reports.Add));
            var artifact = ArtifactWriter.Write(directory, outcome);

            Assert.Equal([1, 2], reports.Select(r => r.Epoch));
            Assert.All(reports, r => Assert.Equal(2, r.Epochs));
            var manifest = PolicyArtifact.Load(directory).Manifest;
            Assert.Equal("agg-gnn-m6", manifest.Name);
            var hyperparameters = Assert.IsType<AggGnnHyperparameters>(manifest.Hyperparameters);
            Assert.Equal(new AggGnnHyperparameters(3, 10, 10, 1000), hyperparameters);
            var inputs = Assert.IsType<AggregationInputs>(manifest.Inputs);
            Assert.Equal(3, inputs.Scale.Count);
            Assert.Equal(0.01, inputs.EdgeThreshold);
            Assert.StartsWith("asynchronous", inputs.Activity, StringComparison.Ordinal);
            Assert.Equal("agg-gnn", manifest.Training!.Scenario);
            Assert.Equal("0.7", manifest.Training.Settings["awake"]);
            Assert.Equal(0.01, manifest.Training.SettingAsNumber("edgeThreshold"));
            Assert.Equal("test", manifest.Training.Other["command"].GetString());
            Assert.Equal(4, manifest.Training.Other["iterations"].GetInt32());
            Assert.True(manifest.Training.Other["wallSeconds"].GetDouble() >= 0);
            var bestEpoch = manifest.Validation!.Value.GetProperty("bestEpoch").GetInt32();
            Assert.InRange(bestEpoch, 1, 2);
            var evaluation = manifest.Evaluation!.Value;
            Assert.Equal(3000, evaluation.GetProperty("model").GetProperty("powerBudget").GetDouble());
            var baselines = evaluation.GetProperty("baselines");
            Assert.Equal(["equal-power", "wmmse-budget:3"], baselines.EnumerateObject().Select(p => p.Name));
            Assert.Equal(3000, baselines.GetProperty("equal-power").GetProperty("meanPower").GetDouble(), 6);

            var csv = File.ReadAllLines(Path.Combine(directory, ArtifactWriter.HistoryFileName));
            Assert.Equal("epoch,iteration,train_sum_rate,train_power,val_sum_rate,val_power,budget,mu,violation,baseline_abs_advantage,seconds", csv[0]);
            Assert.Equal(3, csv.Length);
            Assert.True(File.Exists(Path.Combine(directory, ArtifactWriter.CurvesFileName)));

            // The chosen weights are the artifact's, and the controller can run them.
            using var net = TorchArtifacts.LoadAgg(artifact);
            Assert.Equal(outcome.Tensors.Select(t => t.Name), TorchArtifacts.Tensors(net).Select(t => t.Name));
            var weights = AggGnnWeights.From(artifact);
            Assert.Equal(3, weights.Hyperparameters.SequenceLength);
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
    public void Same_Seed_Gives_Bit_Identical_Weights_And_Another_Seed_Does_Not()
    {
        var first = AggTrainer.Train(Tiny);
        var second = AggTrainer.Train(Tiny);
        var other = AggTrainer.Train(Tiny with { Seed = 2 });

        Assert.Equal(first.Tensors.Select(t => t.Name), second.Tensors.Select(t => t.Name));
        Assert.All(first.Tensors.Zip(second.Tensors), pair => Assert.Equal(pair.First.Values.ToArray(), pair.Second.Values.ToArray()));
        Assert.Equal(first.History.Select(r => r["val_sum_rate"]), second.History.Select(r => r["val_sum_rate"]));
        Assert.Equal(first.History.Select(r => r["mu"]), second.History.Select(r => r["mu"]));
        Assert.Contains(first.Tensors.Zip(other.Tensors), pair => !pair.First.Values.SequenceEqual(pair.Second.Values));
    }

    [Fact]
    public void Sequences_Equal_The_Controllers_AggGnnPolicy_Nodes_And_Pythons_Formula()
    {
        // Asynchronous, with a threshold that drops some edges: every branch of the aggregation is used.
        var settings = ScenarioCatalog.Get("agg-gnn").Resolve(
            [new("pairs", "7"), new("hops", "4"), new("edgeThreshold", "0.02"), new("awake", "0.6")]);
        const int Slots = 15;
        const ulong Seed = 5;
        using var data = AggData.Create(settings, Seed, configurations: 2, Slots);
        var sequences = data.Sequences.data<float>().ToArray();
        var snr = data.SnrGains.data<float>().ToArray();
        var deciding = data.Deciding.data<bool>().ToArray();
        var directory = Path.Combine(Path.GetTempPath(), "controller-agg-" + Guid.NewGuid().ToString("N"));
        try
        {
            var manifest = new PolicyManifest("random", new AggGnnHyperparameters(4, 2, 3, 1000), new AggregationInputs([1.0, 1.0, 1.0, 1.0]));
            PolicyArtifact.WriteRandom(directory, manifest, seed: 3);
            var weights = AggGnnWeights.From(PolicyArtifact.Load(directory));
            var dropped = 0;
            for (var c = 0; c < 2; c++)
            {
                // The controller executing the policy: its nodes' sequences slot by slot.
                var configuration = ScenarioCatalog.Get("agg-gnn").CreateConfiguration(settings, Seed, c);
                var policy = AggGnnPolicy.Create(weights, 0.02, Seed, c);
                var fairness = new ProportionalFairSelector(7, 7);
                var decision = new SlotDecision(7);

                // Python's graph.aggregation_sequences (matrix form), transcribed, on a second copy of the configuration.
                var trace = AggData.Trace(ScenarioCatalog.Get("agg-gnn").CreateConfiguration(settings, Seed, c), Slots, 4, 0.02, 1000);
                var python = PythonAggregationSequences(trace, 7, 4, 0.02, 1000);
                for (var s = 0; s < Slots; s++)
                {
                    configuration.Advance();
                    policy.Decide(configuration, fairness, decision);
                    for (var i = 0; i < 7; i++)
                    {
                        var at = ((((c * Slots) + s) * 7) + i) * 4;
                        Assert.Equal(configuration.Active[i] && configuration.Awake[i], deciding[(((c * Slots) + s) * 7) + i]);
                        for (var k = 0; k < 4; k++)
                        {
                            Assert.Equal((float)policy.Nodes[i].Sequence[k], sequences[at + k]);
                            Assert.Equal(python[(((s * 7) + i) * 4) + k], trace.Sequences[(((s * 7) + i) * 4) + k], 1e-12 * Math.Max(1, Math.Abs(python[(((s * 7) + i) * 4) + k])));
                        }

                        for (var j = 0; j < 7; j++)
                        {
                            Assert.Equal((float)configuration.Gains[i, j], snr[(((((c * Slots) + s) * 7) + i) * 7) + j]);
                            dropped += Math.Sqrt(configuration.Gains[i, j]) < 0.02 ? 1 : 0;
                        }
                    }
                }
            }

            Assert.True(dropped > 0, "the threshold should drop some edges");
            Assert.Contains(false, deciding);
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
    public void Held_Actions_Keep_An_Asleep_Nodes_Last_Action_And_Switch_Inactive_Links_Off()
    {
        // One configuration, 6 slots, 3 links. Link 0 decides every slot; link 1 sleeps at slots 0, 2, 3 (off before its
        // first decision, then holding its draw of slot 1); link 2 is inactive at slot 3 (off) and asleep at slots 4-5
        // (holding its slot-3 "action": off, since an inactive link sets nothing on).
        float[] draws =
        [
            1, 1, 1,
            0, 1, 0,
            1, 0, 1,
            0, 0, 1,
            1, 1, 1,
            0, 0, 0,
        ];
        bool[] deciding =
        [
            true, false, true,
            true, true, true,
            true, false, true,
            true, false, false,
            true, true, false,
            true, true, false,
        ];
        bool[] active =
        [
            true, true, true,
            true, true, true,
            true, true, true,
            true, true, false,
            true, true, true,
            true, true, true,
        ];
        float[] expected =
        [
            1, 0, 1,
            0, 1, 0,
            1, 1, 1,
            0, 1, 0,
            1, 1, 0,
            0, 0, 0,
        ];
        using var d = tensor(draws, [1, 6, 3]);
        using var decide = tensor(deciding, [1, 6, 3]);
        using var act = tensor(active, [1, 6, 3]);
        using var held = AggTrainer.HeldActions(d, decide, act);
        Assert.Equal(expected, held.data<float>().ToArray());
    }

    [Fact]
    public void Slot_Rates_Are_The_Controllers_Sinr()
    {
        float[] gains = [4, 0.5f, 0.25f, 2];
        using var g = tensor(gains, [1, 2, 2]);
        using var on = tensor(new float[] { 1, 1 }, [1, 2]);
        using var rates = AggTrainer.SlotRates(g, on, 10);
        var expected = new double[2];
        var matrix = new Controller.Radio.Channels.GainMatrix(2, 2);
        gains.Select(v => (double)v).ToArray().CopyTo(matrix.Values);
        Sinr.ComputeRates(matrix, [0, 1], [10.0, 10.0], 1.0, expected);
        var actual = rates.data<float>().ToArray();
        Assert.Equal(expected[0], actual[0], 5);
        Assert.Equal(expected[1], actual[1], 5);
    }

    /// <summary>graph.aggregation_sequences of the Python trainer for one configuration, in double: [S, m, K].</summary>
    private static double[] PythonAggregationSequences(AggTrace trace, int m, int length, double eta0, double p0)
    {
        var slots = trace.Active.Length / m;
        var output = new double[slots * m * length];
        var previous = new double[m * length];
        var observed = new double[m];
        for (var t = 0; t < slots; t++)
        {
            var current = new double[m * length];
            for (var i = 0; i < m; i++)
            {
                if (trace.Deciding[(t * m) + i])
                {
                    observed[i] = Math.Log2(1 + (p0 * trace.Gains[(((t * m) + i) * m) + i]));
                }

                current[i * length] = observed[i];
                for (var k = 1; k < length; k++)
                {
                    var sum = 0.0;
                    for (var j = 0; j < m; j++)
                    {
                        var amplitude = Math.Sqrt(trace.Gains[(((t * m) + i) * m) + j]);
                        var shift = amplitude >= eta0 && amplitude > 0 && trace.Deciding[(t * m) + j] ? amplitude : 0;
                        sum += shift * previous[(j * length) + k - 1];
                    }

                    current[(i * length) + k] = sum;
                }
            }

            current.CopyTo(output, t * m * length);
            previous = current;
        }

        return output;
    }

    private sealed class SynchronousProgress(Action<EpochProgress> report) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) => report(value);
    }
}
