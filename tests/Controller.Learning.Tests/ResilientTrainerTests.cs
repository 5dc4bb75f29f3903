using Controller.Learning.Training;
using Controller.Policies.ArtifactFormat;
using Controller.Policies.Models;
using Controller.Radio.Allocation;
using Controller.Radio.Scenarios;
using static TorchSharp.torch;

namespace Controller.Learning.Tests;

/// <summary>Tests that set torch's global state (seed, threads) run alone, so that no other test draws from the global generator meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchGlobalState
{
    /// <summary>The collection's name.</summary>
    public const string Name = "torch global state";
}

[Collection(TorchGlobalState.Name)]
public sealed class ResilientTrainerTests
{
    /// <summary>A training small enough for a test: 2 APs, 8 users, 30 slots of which 10 warm-up, 2 epochs.</summary>
    internal static ResilientTrainerOptions Tiny(int testConfigs = 0) => new()
    {
        Aps = 2,
        Users = 8,
        Slots = 30,
        Warmup = 10,
        TrainConfigs = 8,
        ValidationConfigs = 4,
        TestConfigs = testConfigs,
        Batch = 4,
        Epochs = 2,
        Baselines = ["full-reuse", "itlinq"],
        Command = "dotnet test (tiny resilient training)",
    };

    [Fact]
    public void Tiny_Training_Writes_A_Loadable_Artifact_That_Records_Its_Command()
    {
        var directory = Path.Combine(Path.GetTempPath(), "controller-resilient-" + Guid.NewGuid().ToString("N"));
        try
        {
            var reports = new List<EpochProgress>();
            var outcome = new ResilientTrainer(Tiny(testConfigs: 4)).Train(new SynchronousProgress(reports.Add));
            ArtifactWriter.Write(directory, outcome);

            var artifact = PolicyArtifact.Load(directory);
            Assert.Equal("resilient-gnn-m2-n8", artifact.Manifest.Name);
            var training = artifact.Manifest.Training!;
            Assert.Equal("resilient-rrm", training.Scenario);
            Assert.Equal("2", training.Settings["aps"]);
            Assert.Equal("dotnet test (tiny resilient training)", training.Other["command"].GetString());
            Assert.Equal(2, training.Other["epochs"].GetInt32());
            Assert.True(training.Other["wallSeconds"].GetDouble() > 0);
            var evaluation = artifact.Manifest.Evaluation!.Value;
            Assert.True(evaluation.GetProperty("model").GetProperty("meanRate").GetDouble() > 0);
            Assert.True(evaluation.GetProperty("baselines").GetProperty("itlinq").GetProperty("meanRate").GetDouble() > 0);
            Assert.InRange(artifact.Manifest.Validation!.Value.GetProperty("bestEpoch").GetInt32(), 1, 2);

            Assert.Equal([1, 2], reports.Select(r => r.Epoch));
            var history = File.ReadAllLines(Path.Combine(directory, ArtifactWriter.HistoryFileName));
            Assert.Equal("epoch,train_mean,train_p5,val_mean,val_p5,avg_slack,avg_mu,violation,train_power,baseline_abs_advantage,lr,dual_step,seconds", history[0]);
            Assert.Equal(3, history.Length);
            Assert.True(File.Exists(Path.Combine(directory, ArtifactWriter.CurvesFileName)));
            var slack = File.ReadAllLines(Path.Combine(directory, SlackFiles.CsvName));
            Assert.Equal("configuration,user,sir_db,slack,mu", slack[0]);
            Assert.Equal(1 + (8 * 8), slack.Length);
            Assert.True(File.Exists(Path.Combine(directory, SlackFiles.PngName)));
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
        var first = new ResilientTrainer(Tiny()).Train();
        var second = new ResilientTrainer(Tiny()).Train();
        var other = new ResilientTrainer(Tiny() with { Seed = 2 }).Train();

        Assert.Equal(first.Tensors.Select(t => t.Name), second.Tensors.Select(t => t.Name));
        Assert.All(first.Tensors.Zip(second.Tensors), pair => Assert.Equal(pair.First.Values.ToArray(), pair.Second.Values.ToArray()));
        Assert.Equal(first.History.Select(r => r["val_p5"]), second.History.Select(r => r["val_p5"]));
        Assert.Contains(first.Tensors.Zip(other.Tensors), pair => !pair.First.Values.SequenceEqual(pair.Second.Values));
    }

    [Fact]
    public void Data_And_Rollout_Rates_Equal_The_Controllers_Own_Computation_On_A_Slot()
    {
        var scenario = ScenarioCatalog.Get(ResilientData.ScenarioName);
        var settings = scenario.Resolve(ResilientData.SettingOverrides(3, 12, fmin: null, warmup: 5));
        using var set = ResilientData.Build(settings, seed: 7, configurations: 2, slots: 12);
        const int Configuration = 1;
        const int ScoredSlot = 4;
        var configuration = scenario.CreateConfiguration(settings, 7, Configuration);
        var fairness = new ProportionalFairSelector(12, 3);
        var served = new int[3];
        var warmupPower = new double[3];
        var warmupRates = new double[12];
        for (var slot = 0; slot <= 5 + ScoredSlot; slot++)
        {
            configuration.Advance();
            if (slot < 5)
            {
                fairness.SelectRoundRobin(configuration, served);
                Array.Fill(warmupPower, configuration.Constants.MaxPower);
                Sinr.ComputeRates(configuration.Gains, served, warmupPower, configuration.Constants.Noise, warmupRates);
                fairness.Update(warmupRates);
                if (slot == 4)
                {
                    var fbar0 = set.Fbar0[Configuration].data<float>().ToArray();
                    AssertClose(fairness.AverageRate.ToArray(), [.. fbar0.Select(v => (double)v)], 1e-6, "fbar after warm-up");
                }
            }
        }

        // The controller's rates for a selection and powers of our choosing at that slot.
        int[] selection = [-1, -1, -1];
        var serving = configuration.ServingTransmitter.ToArray();
        for (var v = 11; v >= 0; v--)
        {
            selection[serving[v]] = v;
        }

        double[] power = [configuration.Constants.MaxPower, 0.3 * configuration.Constants.MaxPower, 0.05 * configuration.Constants.MaxPower];
        var expected = new double[12];
        Sinr.ComputeRates(configuration.Gains, selection, power, configuration.Constants.Noise, expected);

        using var scope = NewDisposeScope();
        var gains = set.SnrGains[Configuration, ScoredSlot].unsqueeze(0);
        var cells = set.Cells[Configuration].unsqueeze(0);
        var mask = ResilientRollout.ServedMask(tensor(selection.Select(s => (long)s).ToArray(), [1, 3]), 12);
        var actual = ResilientRollout.Rates(gains, cells, mask, tensor(power.Select(p => (float)p).ToArray(), [1, 3]));
        AssertClose(expected, [.. actual.data<float>().ToArray().Select(v => (double)v)], 1e-5, "rates");

        var graph = new UserGraph();
        graph.Build(configuration.Gains, serving, configuration.Constants.Noise, configuration.Constants.MaxPower);
        var dense = set.EdgeWeights[Configuration, ScoredSlot].data<float>().ToArray();
        for (var v = 0; v < 12; v++)
        {
            for (var u = 0; u < 12; u++)
            {
                Assert.Equal((float)(graph.Weight(u, v) ?? 0), dense[(v * 12) + u]);
            }
        }

        var fhat = set.Fhat[Configuration, ScoredSlot].data<float>().ToArray();
        var full = Enumerable.Repeat(configuration.Constants.MaxPower, 3).ToArray();
        for (var v = 0; v < 12; v++)
        {
            Assert.Equal((float)Sinr.Rate(Sinr.At(configuration.Gains.Row(v), serving[v], full, configuration.Constants.Noise)), fhat[v]);
        }
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var scale = Math.Max(1e-3, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * scale, $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
        }
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<EpochProgress> report) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) => report(value);
    }
}
