using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Controller.Learning.Models;
using Controller.Learning.Training;
using Controller.Policies.ArtifactFormat;
using Controller.Radio.Isac;
using Controller.Radio.Scenarios;
using TorchSharp;
using static TorchSharp.torch;

namespace Controller.Learning.Isac;

/// <summary>
/// Trains the BOBLRBF-DNN (paper 002, eq. 27) on instances of the <c>isac</c> scenario: each optimizer step runs the
/// unrolled network on a batch of instances x K preference vectors from BOBLRBF's start and descends the mean of the
/// preference-weighted objectives at the last layer (ScalarSafeAdam). The epoch with the lowest validation loss is kept.
/// Runs on CUDA when <c>torch.cuda.is_available()</c>, else on the CPU (the device is logged).
/// </summary>
public static class BoblrbfDnnTrainer
{
    private static readonly CurvePanel[] CurvePanels =
    [
        new("loss: mean of w1 f1 + w2 f2", ["train_loss", "val_loss"]),
        new("validation: mean WSR at phi (bps/Hz)", ["val_wsr"]),
        new("validation: mean log10 CRLB (m^2)", ["val_log10_crlb"]),
    ];

    /// <summary>Trains with <paramref name="options"/>; <paramref name="progress"/> sees every epoch, <paramref name="log"/> the device and data lines.</summary>
    public static TrainingOutcome Train(BoblrbfDnnTrainingOptions options, IProgress<EpochProgress>? progress = null, TextWriter? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        var threadsBefore = get_num_threads();
        set_num_threads(options.Threads);
        try
        {
            var device = cuda.is_available() ? CUDA : CPU;
            log?.WriteLine($"boblrbf-dnn: training on {(device.type == DeviceType.CUDA ? "cuda" : "cpu")} ({options.Threads} libtorch thread{(options.Threads == 1 ? string.Empty : "s")})");
            var settings = options.ScenarioSettings();
            var eps = settings.GetDouble("eps");
            var scenario = new IsacScenario();
            var train = Instances(scenario, settings, options.TrainSeed, options.TrainInstances);
            var validation = Instances(scenario, settings, options.ValidationSeed, options.ValidationInstances);
            log?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"boblrbf-dnn: {train.Length} training instances (seed {options.TrainSeed}), {validation.Length} validation (seed {options.ValidationSeed}), eps = {eps}, K = {options.Preferences}"));

            manual_seed(options.Seed);
            using var generator = new Generator((ulong)options.Seed, CPU);
            var hyperparameters = new BoblrbfDnnHyperparameters(options.Layers, options.Hidden, IsacIterateInputs.FeatureCount);
            using var net = new BoblrbfDnnNet(hyperparameters, options.LowerLevelSteps, options.InitialStep);
            if (device.type != DeviceType.CPU)
            {
                net.to(device);
            }

            using var optimizer = new ScalarSafeAdam(net.parameters(), options.LearningRate);
            var history = new List<EpochRow>();
            var bestLoss = double.PositiveInfinity;
            var bestEpoch = 0;
            IReadOnlyList<SafeTensor>? best = null;
            var bestMetrics = (Wsr: 0.0, Log10Crlb: 0.0);
            using var validationBatch = new PreferenceBatch(validation, options.Preferences, eps, device);
            for (var epoch = 1; epoch <= options.Epochs; epoch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var order = randperm(train.Length, generator: generator);
                var indices = order.data<long>().ToArray();
                var trainLoss = 0.0;
                for (var start = 0; start < indices.Length; start += options.Batch)
                {
                    using var scope = NewDisposeScope();
                    var chosen = indices.Skip(start).Take(options.Batch).Select(i => train[i]).ToArray();
                    using var batch = new PreferenceBatch(chosen, options.Preferences, eps, device);
                    optimizer.ZeroGrad();
                    var x = net.Forward(batch.Objectives, batch.Start, batch.Weights);
                    var loss = net.Loss(batch.Objectives, x, batch.Weights);
                    loss.backward();
                    optimizer.Step();
                    trainLoss += loss.item<double>() * chosen.Length;
                }

                trainLoss /= train.Length;
                var (valLoss, valWsr, valCrlb) = Evaluate(net, validationBatch);
                if (valLoss < bestLoss)
                {
                    (bestLoss, bestEpoch, best, bestMetrics) = (valLoss, epoch, TorchArtifacts.Tensors(net), (valWsr, valCrlb));
                }

                history.Add(new EpochRow(epoch,
                [
                    new("train_loss", trainLoss),
                    new("val_loss", valLoss),
                    new("val_wsr", valWsr),
                    new("val_log10_crlb", valCrlb),
                    new("seconds", clock.Elapsed.TotalSeconds),
                ]));
                progress?.Report(new EpochProgress(epoch, options.Epochs, string.Create(CultureInfo.InvariantCulture,
                    $"train loss {trainLoss:F4}, val loss {valLoss:F4}, val WSR {valWsr:F2} bps/Hz, val log10 CRLB {valCrlb:F2}")));
            }

            var wallSeconds = clock.Elapsed.TotalSeconds;
            var manifest = new PolicyManifest(options.ArtifactName, hyperparameters, new IsacIterateInputs(options.LowerLevelSteps))
            {
                Training = new PolicyTraining(
                    BoblrbfDnnTrainingOptions.ScenarioName,
                    options.Settings.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
                    Fields(options, eps, wallSeconds, device)),
                Validation = JsonSerializer.SerializeToElement(new Dictionary<string, object>(StringComparer.Ordinal)
                {
                    ["loss"] = bestLoss,
                    ["meanWsrAtPhi"] = bestMetrics.Wsr,
                    ["meanLog10Crlb"] = bestMetrics.Log10Crlb,
                    ["bestEpoch"] = bestEpoch,
                    ["selection"] = "lowest validation loss",
                }),
                CodeVersion = options.CodeVersion,
                CreatedUtc = DateTimeOffset.UtcNow,
            };
            return new TrainingOutcome(manifest, best!, history, CurvePanels);
        }
        finally
        {
            set_num_threads(threadsBefore);
        }
    }

    /// <summary>Validation loss, mean WSR at phi and mean log10 CRLB of the network's last layer on <paramref name="batch"/>.</summary>
    internal static (double Loss, double Wsr, double Log10Crlb) Evaluate(BoblrbfDnnNet net, PreferenceBatch batch)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = net.Forward(batch.Objectives, batch.Start, batch.Weights);
        var loss = net.Loss(batch.Objectives, x, batch.Weights).item<double>();
        var wsr = batch.Objectives.Wsr(x, batch.Objectives.LowerLevel(x, net.LowerLevelSteps)).mean().item<double>();
        var crlb = batch.Objectives.Crlb(x).log10().mean().item<double>();
        return (loss, wsr, crlb);
    }

    private static IsacNetwork[] Instances(IsacScenario scenario, ScenarioSettings settings, ulong seed, int count)
        => [.. Enumerable.Range(0, count).Select(i => scenario.CreateNetwork(settings, seed, i))];

    private static Dictionary<string, JsonElement> Fields(BoblrbfDnnTrainingOptions options, double eps, double wallSeconds, Device device)
    {
        var fields = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["seed"] = options.Seed,
            ["instances"] = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["train"] = string.Create(CultureInfo.InvariantCulture, $"configurations 0..{options.TrainInstances - 1} of seed {options.TrainSeed}"),
                ["validation"] = string.Create(CultureInfo.InvariantCulture, $"configurations 0..{options.ValidationInstances - 1} of seed {options.ValidationSeed}"),
            },
            ["eps"] = eps,
            ["preferences"] = options.Preferences,
            ["epochs"] = options.Epochs,
            ["batchInstances"] = options.Batch,
            ["optimizer"] = "adam (ScalarSafeAdam)",
            ["learningRate"] = options.LearningRate,
            ["initialStep"] = options.InitialStep,
            ["loss"] = "mean over instances x preferences of sin(a) f1 + cos(a) f2 at the last layer; f1 = -WSR / U at phi(gamma), f2 = ln(CRLB / CRLB_iso)",
            ["device"] = device.type == DeviceType.CUDA ? "cuda" : "cpu",
            ["threads"] = options.Threads,
            ["wallSeconds"] = Math.Round(wallSeconds, 1),
            ["trainer"] = "Controller.Learning BoblrbfDnnTrainer (TorchSharp, float64)",
            ["command"] = options.Command,
        };
        return fields.ToDictionary(kv => kv.Key, kv => JsonSerializer.SerializeToElement(kv.Value), StringComparer.Ordinal);
    }
}
