using Controller.Learning.Alcor;
using Controller.Learning.Training;
using Controller.Policies;
using Controller.Policies.ArtifactFormat;
using Controller.Policies.Models;
using Controller.Radio.Randomness;
using static TorchSharp.torch;

namespace Controller.Learning.Tests;

/// <summary>Paper 001's neural allocators: trained by <see cref="AlcorDnnTrainer"/>, run by the controller's managed model.</summary>
public sealed class AlcorDnnTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "controller-alcor-dnn-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static AlcorDnnOptions Tiny(AlcorDnnKind kind) => new()
    {
        Kind = kind,
        Users = 6,
        Hidden = [24, 12],
        Epochs = 2,
        StepsPerEpoch = 10,
        Batch = 40,
        DemandGroups = 4,
        Demands = kind == AlcorDnnKind.Fixed ? [0.3] : [],
        EvaluationSamples = 200,
        Command = "test",
    };

    [Theory]
    [InlineData(AlcorDnnKind.Centralized)]
    [InlineData(AlcorDnnKind.Distributed)]
    [InlineData(AlcorDnnKind.Fixed)]
    [InlineData(AlcorDnnKind.Dynamic)]
    public void Trained_Artifact_Runs_In_The_Managed_Model_Within_1e5_Of_TorchSharp_In_Eval_Mode(AlcorDnnKind kind)
    {
        var outcome = AlcorDnnTrainer.Train(Tiny(kind));
        var artifact = ArtifactWriter.Write(Path.Combine(_directory, kind.ToString()), outcome);
        var hyperparameters = Assert.IsType<AlcorDnnHyperparameters>(artifact.Manifest.Hyperparameters);
        Assert.Equal(kind, hyperparameters.Kind);
        Assert.Equal(2, outcome.History.Count);
        Assert.True(artifact.Manifest.Training!.Other.ContainsKey("wallSeconds"));

        // Batch-norm statistics moved away from (0, 1) in training, so eval mode is really tested.
        var variance = artifact.Tensor("norms.0.running_var").Values.ToArray();
        Assert.Contains(variance, v => Math.Abs(v - 1) > 0.05);

        using var net = AlcorDnnNet.FromArtifact(artifact);
        var managed = new AlcorDnnModel(AlcorDnnWeights.From(artifact));
        var width = hyperparameters.Widths[0];
        const int Rows = 16;
        var random = new SeededRandom(9);
        var input = Enumerable.Range(0, Rows * width).Select(_ => random.NextDouble(0, 3)).ToArray();
        var expected = new double[Rows * hyperparameters.Widths[^1]];
        managed.Run(Rows, input, expected);
        using var _ = no_grad();
        using var x = tensor(input.Select(v => (float)v).ToArray(), [Rows, width]);
        using var y = net.forward(x);
        var torchOutput = y.data<float>().ToArray();
        Assert.Equal(expected.Length, torchOutput.Length);
        for (var k = 0; k < expected.Length; k++)
        {
            Assert.InRange(expected[k], 0, 1);
            Assert.True(Math.Abs(expected[k] - torchOutput[k]) <= 1e-5, $"output {k}: managed {expected[k]} torch {torchOutput[k]}");
        }

        Assert.Contains(expected, p => p is > 0.01 and < 0.99);
        Assert.IsType<AlcorDnnPolicy>(new LearnedPolicies(_directory).Create($"dnn:{kind}", 1, 0));
    }

    public static TheoryData<string> CommittedArtifacts() => ManagedAgreementTests.Artifacts(AlcorDnnHyperparameters.Name);

    [Theory]
    [MemberData(nameof(CommittedArtifacts))]
    public void Committed_Artifact_Managed_Equals_TorchSharp_On_Scenario_Inputs(string name)
    {
        var artifact = new LearnedPolicies().Load(name);
        var hyperparameters = (AlcorDnnHyperparameters)artifact.Manifest.Hyperparameters;
        var n = hyperparameters.Users;
        var scenario = Controller.Radio.Scenarios.ScenarioCatalog.Get("gaussian-ic");
        var configuration = scenario.CreateConfiguration(scenario.Resolve([new("links", n.ToString(System.Globalization.CultureInfo.InvariantCulture))]), 5, 0);
        var local = new AlcorDnnLocalState(n);
        var rates = new double[n];
        var power = Enumerable.Range(0, n).Select(i => (i % 3) / 2.0).ToArray();
        var rows = new List<double[]>();
        for (var slot = 0; slot < 4; slot++)
        {
            configuration.Advance();
            var gains = configuration.Gains.Values.ToArray();
            if (hyperparameters.Kind == AlcorDnnKind.Distributed)
            {
                for (var i = 0; i < n; i++)
                {
                    var features = new double[AlcorDnnLocalState.Width];
                    local.Features(gains, configuration.Constants.Noise, 1, i, features);
                    rows.Add(features);
                }
            }
            else
            {
                rows.Add([.. gains.Select((g, k) => slot % 2 == 1 && (k / n == 1 || k % n == 1) ? 0 : g), .. Enumerable.Repeat(0.4 * slot, hyperparameters.Widths[0] - (n * n))]);
            }

            Controller.Radio.Allocation.Sinr.ComputeLinkRates(gains, n, power, configuration.Constants.Noise, rates);
            local.Record(gains, power, rates);
        }

        var width = hyperparameters.Widths[0];
        var input = rows.SelectMany(r => r).ToArray();
        var expected = new double[rows.Count * hyperparameters.Widths[^1]];
        new AlcorDnnModel(AlcorDnnWeights.From(artifact)).Run(rows.Count, input, expected);
        using var net = AlcorDnnNet.FromArtifact(artifact);
        using var _ = no_grad();
        using var x = tensor(input.Select(v => (float)v).ToArray(), [rows.Count, width]);
        using var y = net.forward(x);
        var actual = y.data<float>().ToArray();
        for (var k = 0; k < expected.Length; k++)
        {
            Assert.True(Math.Abs(expected[k] - actual[k]) <= 1e-5, $"{name} output {k}: managed {expected[k]} torch {actual[k]}");
        }
    }

    [Fact]
    public void A_Short_Training_Raises_The_Validation_Sum_Rate()
    {
        var options = Tiny(AlcorDnnKind.Centralized) with { LearningRate = 3e-3 };
        using var trainer = new AlcorDnnTrainer(options);
        var before = trainer.Evaluate(options.ValidationSeed);
        double firstLoss = 0, lastLoss = 0;
        for (var s = 0; s < 60; s++)
        {
            var (loss, _) = trainer.Step();
            if (s < 10)
            {
                firstLoss += loss / 10;
            }

            if (s >= 50)
            {
                lastLoss += loss / 10;
            }
        }

        var after = trainer.Evaluate(options.ValidationSeed);

        Assert.True(lastLoss < firstLoss, $"loss {firstLoss:F3} -> {lastLoss:F3}");
        Assert.True(after.SumRate > before.SumRate + 0.2, $"validation sum rate {before.SumRate:F3} -> {after.SumRate:F3}");
    }

    [Fact]
    public void Warm_Start_Resumes_The_Artifacts_Network_And_Continues_Its_Steps()
    {
        var options = Tiny(AlcorDnnKind.Centralized);
        var first = ArtifactWriter.Write(Path.Combine(_directory, "first"), AlcorDnnTrainer.Train(options));
        var firstValidation = first.Manifest.Validation!.Value.GetProperty("sumRate").GetDouble();

        // Before any step the warm-started network is the artifact's best epoch: same validation sum rate, same step count.
        var resumed = options with { InitialArtifact = first, Name = "second", Seed = 99 };
        using (var trainer = new AlcorDnnTrainer(resumed))
        {
            Assert.Equal(20, trainer.Steps);
            Assert.Equal(firstValidation, trainer.Evaluate(options.ValidationSeed).SumRate, 6);
        }

        // A fresh network of another seed starts elsewhere, so the equality above is not an accident.
        using (var fresh = new AlcorDnnTrainer(options with { Seed = 99 }))
        {
            Assert.NotEqual(firstValidation, fresh.Evaluate(options.ValidationSeed).SumRate, 6);
        }

        var second = AlcorDnnTrainer.Train(resumed);
        var training = second.Manifest.Training!.Other;
        Assert.Equal(40, training["steps"].GetInt32());
        Assert.Equal(options.ArtifactName, training["initFrom"].GetProperty("name").GetString());
        Assert.Equal(20, training["initFrom"].GetProperty("steps").GetInt32());
        Assert.Equal("test", training["initFrom"].GetProperty("command").GetString());
    }

    [Fact]
    public void Warm_Start_Refuses_An_Artifact_Of_Another_Shape()
    {
        var first = ArtifactWriter.Write(Path.Combine(_directory, "first"), AlcorDnnTrainer.Train(Tiny(AlcorDnnKind.Centralized) with { Epochs = 1 }));

        var wider = Assert.Throws<ArgumentException>(() => (Tiny(AlcorDnnKind.Centralized) with { Hidden = [32, 12], InitialArtifact = first }).Validate());
        Assert.Contains("--init-from: artifact 'alcor-dnn-centralized-n6' is centralized with N = 6 and widths {36, 24, 12, 6}, but this training is centralized with N = 6 and widths {36, 32, 12, 6}", wider.Message, StringComparison.Ordinal);
        var kind = Assert.Throws<ArgumentException>(() => (Tiny(AlcorDnnKind.Fixed) with { InitialArtifact = first }).Validate());
        Assert.Contains("but this training is fixed", kind.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_Fixed_Dnn_Reward_Penalizes_Unmet_Demands()
    {
        // The same network scored without demands and with a demand no allocation meets: reward (10) drops by L x shortfall.
        var options = Tiny(AlcorDnnKind.Fixed) with { Demands = [50], Penalty = 100 };
        using var trainer = new AlcorDnnTrainer(options);
        var metrics = trainer.Evaluate(options.ValidationSeed);

        Assert.Equal(100, metrics.ViolationPct, 0);
        Assert.True(metrics.Reward < metrics.SumRate - (100 * 6 * 40), $"reward {metrics.Reward} sum rate {metrics.SumRate}");
    }

    [Fact]
    public void Bad_Options_Say_Which_One()
    {
        Assert.Contains("--demands", Assert.Throws<ArgumentException>(() => (Tiny(AlcorDnnKind.Fixed) with { Demands = [] }).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("--demands is for --kind fixed", Assert.Throws<ArgumentException>(() => (Tiny(AlcorDnnKind.Centralized) with { Demands = [1] }).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("must differ", Assert.Throws<ArgumentException>(() => (Tiny(AlcorDnnKind.Centralized) with { TestSeed = 11 }).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("--probe is for --kind distributed", Assert.Throws<ArgumentException>(() => (Tiny(AlcorDnnKind.Centralized) with { Probe = AlcorDnnFeatureProbe.Direct }).Validate()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Feature_Probes_Keep_Or_Replace_The_Measurements_They_Name()
    {
        const int n = 6;
        const double noise = 0.05;
        var random = SeededRandom.ForStream(3, RandomStreams.Policy, 1);
        double[] Draw(int count) => [.. Enumerable.Range(0, count).Select(_ => random.NextDouble(0.01, 2))];
        var old = Draw(n * n);
        var now = Draw(n * n);
        var state = new AlcorDnnLocalState(n);
        state.Record(Draw(n * n), Draw(n), Draw(n));
        state.Record(old, Draw(n), Draw(n));
        var plain = new double[AlcorDnnLocalState.Width];
        state.Features(now, noise, 1, 2, plain);

        var direct = (double[])plain.Clone();
        AlcorDnnFeatureProbes.Apply(AlcorDnnFeatureProbe.Direct, state, now, noise, 2, direct);
        Assert.Equal(plain[2], direct[2]);
        Assert.Equal(1, direct.Count(v => v != 0));
        var both = (double[])plain.Clone();
        AlcorDnnFeatureProbes.Apply(AlcorDnnFeatureProbe.DirectAndInterference, state, now, noise, 2, both);
        Assert.Equal([plain[2], plain[4]], both.Where(v => v != 0));

        // Current outgoing: the receiver most hurt by user 2 on the current channel heads the block, with its current direct gain.
        var outgoing = (double[])plain.Clone();
        AlcorDnnFeatureProbes.Apply(AlcorDnnFeatureProbe.CurrentOutgoing, state, now, noise, 2, outgoing);
        var strongest = Enumerable.Range(0, n).Where(j => j != 2).MaxBy(j => now[(j * n) + 2]);
        Assert.Equal(now[(strongest * n) + strongest], outgoing[31]);
        Assert.Equal(plain[..26], outgoing[..26]);
        Assert.NotEqual(plain[31], outgoing[31]);

        // Static channel: the G_ii^{t-1} measurement becomes the current G_ii^t.
        AlcorDnnFeatureProbes.BeforeSlot(AlcorDnnFeatureProbe.StaticChannel, state, now);
        var frozen = new double[AlcorDnnLocalState.Width];
        state.Features(now, noise, 1, 2, frozen);
        Assert.Equal(old[(2 * n) + 2], plain[3]);
        Assert.Equal(now[(2 * n) + 2], frozen[3]);
        Assert.Equal(plain[4], frozen[4]);
    }
}
