using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Controller.Learning.Models;
using Controller.Optimization.Policies;
using Controller.Policies.ArtifactFormat;
using Controller.Radio.Evaluation;
using Controller.Radio.Scenarios;
using TorchSharp;
using static TorchSharp.torch;

namespace Controller.Learning.Training;

/// <summary>
/// Primal-dual training of paper 003's resilient GNN, the port of the former Python trainer train_resilient.py (removed after parity was shown; it is in commit 9b6a26f) to TorchSharp with the
/// same algorithm, options and outputs. Each training configuration runs its scored slots one by one as
/// <c>controller eval</c> does (features from the PF averages, the GNN's powers and selection probabilities, the
/// controller's rate formula, averages updated with the achieved rates):
/// <list type="bullet">
/// <item>power head: model-based gradient ascent on <c>sum_j w_j Ehat f_j</c> through the rate formula;</item>
/// <item>selection head: REINFORCE on the per-slot reward <c>R_t = sum_j w_j f_j(t)</c> with a moving-average baseline
/// per training configuration (carried over epochs, started at the first reward);</item>
/// <item>duals per training configuration and user after each batch: <c>z = max(0, z + eta (mu - alpha z))</c> then
/// <c>mu = max(0, mu + eta (fmin - z - x))</c> with <c>x = Ehat f</c> of the batch's rollout;</item>
/// <item>Adam; learning rate and dual step halved every N epochs; the epoch with the best validation 5th-percentile
/// rate is kept (ties: the better validation mean); validation and test serve the user with the largest pi.</item>
/// </list>
/// Deterministic for a fixed seed and thread count: torch's global generator (seeded with the seed) initializes the
/// weights, a generator of its own (same seed) draws the shuffles and samples.
/// </summary>
public sealed class ResilientTrainer
{
    /// <summary>Configurations per forward pass in validation and test.</summary>
    public const int EvaluationBatch = 128;

    /// <summary>The network's hyperparameters (the former Python models.py defaults).</summary>
    public static ResilientGnnHyperparameters Hyperparameters { get; } = new(2, 64, 0.01, 10);

    /// <summary>Creates the trainer.</summary>
    public ResilientTrainer(ResilientTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    /// <summary>The options.</summary>
    public ResilientTrainerOptions Options { get; }

    /// <summary>
    /// Trains and returns the artifact's contents (write them with <see cref="ArtifactWriter"/>): the weights of the best
    /// validation epoch, the manifest (training, validation and, with test configurations, evaluation), one history row
    /// per epoch, the four curve panels and, unless mu = 0, slack.csv and slack.png.
    /// </summary>
    public TrainingOutcome Train(IProgress<EpochProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var o = Options;
        var clock = Stopwatch.StartNew();
        var threadsBefore = get_num_threads();
        set_num_threads(o.Threads);
        try
        {
            var scenario = ScenarioCatalog.Get(ResilientData.ScenarioName);
            var settings = scenario.Resolve(ResilientData.SettingOverrides(o.Aps, o.Users, o.Fmin, o.Warmup));
            using var trainSet = ResilientData.Build(settings, o.TrainSeed, o.TrainConfigs, o.Slots, o.Threads);
            using var validationSet = ResilientData.Build(settings, o.ValidationSeed, o.ValidationConfigs, o.Slots, o.Threads);
            var dataSeconds = clock.Elapsed.TotalSeconds;
            var pmax = trainSet.Description.MaxPower;

            manual_seed(o.Seed);
            using var generator = new Generator((ulong)o.Seed, CPU);
            using var model = CreateModel(o.PowerInit);
            using var optimizer = new ScalarSafeAdam(model.parameters(), o.LearningRate);
            var halveEvery = o.HalveEvery > 0 ? o.HalveEvery : Math.Max(1, o.Epochs / 4);
            var configs = trainSet.Configurations;
            var users = trainSet.Description.Users;
            using var mu = zeros(configs, users, dtype: ScalarType.Float64);
            using var slack = zeros(configs, users, dtype: ScalarType.Float64);
            using var baseline = full(configs, Scalars.Of(double.NaN), dtype: ScalarType.Float32);
            var dualStep = o.DualStep;
            var history = new List<EpochRow>();
            var best = (P5: double.NegativeInfinity, Mean: 0.0, Epoch: 0, Weights: (IReadOnlyList<SafeTensor>)[]);
            for (var epoch = 1; epoch <= o.Epochs; epoch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var epochClock = Stopwatch.StartNew();
                using var epochRates = zeros(configs, users, dtype: ScalarType.Float64);
                var epochPower = new List<double>();
                var advantages = new List<double>();
                using (var order = randperm(configs, generator: generator))
                {
                    for (var start = 0; start < configs; start += o.Batch)
                    {
                        using var scope = NewDisposeScope();
                        var index = order.narrow(0, start, Math.Min(o.Batch, configs - start));
                        var weights = mu.index_select(0, index).Plus(Scalars.OfInteger(o.Utility == ResilientUtility.Pf ? 0 : 1)).to(ScalarType.Float32);
                        var batchBaseline = baseline.index_select(0, index);
                        using var batch = trainSet.Batch(index);
                        using var result = Step(model, optimizer, batch, pmax, weights, batchBaseline, generator, o);
                        baseline.index_put_(batchBaseline, index);
                        advantages.Add(result.Advantage);
                        var x = result.Rates.mean([1]).to(ScalarType.Float64);
                        epochRates.index_put_(x, index);
                        epochPower.Add(result.Power.sum(-1).mean().item<float>());
                        if (!o.MuZero)
                        {
                            var z = slack.index_select(0, index);
                            var lambda = mu.index_select(0, index);
                            var step = Scalars.Of(dualStep);
                            var newSlack = z.Plus(step * (lambda - (Scalars.Of(o.Alpha) * z))).clamp_min(Scalars.Zero);
                            slack.index_put_(newSlack, index);
                            var newMu = lambda.Plus(step * (trainSet.Fmin.index_select(0, index) - newSlack - x)).clamp_min(Scalars.Zero);
                            mu.index_put_(newMu, index);
                        }
                    }
                }

                var validationRates = Evaluate(model, validationSet);
                var trainStats = RateSummary.Of(ToArray(epochRates), users);
                var validationStats = RateSummary.Of(validationRates, users);
                double violation, averageSlack, averageMu;
                using (var gap = (trainSet.Fmin - slack - epochRates).clamp_min(Scalars.Zero))
                {
                    violation = gap.mean().item<double>();
                    averageSlack = slack.mean().item<double>();
                    averageMu = mu.mean().item<double>();
                }

                var learningRate = optimizer.LearningRate;
                var row = new EpochRow(epoch, [
                    new("train_mean", trainStats.MeanRate),
                    new("train_p5", trainStats.P5Rate),
                    new("val_mean", validationStats.MeanRate),
                    new("val_p5", validationStats.P5Rate),
                    new("avg_slack", averageSlack),
                    new("avg_mu", averageMu),
                    new("violation", violation),
                    new("train_power", epochPower.Average()),
                    new("baseline_abs_advantage", advantages.Average()),
                    new("lr", learningRate),
                    new("dual_step", dualStep),
                    new("seconds", epochClock.Elapsed.TotalSeconds),
                ]);
                history.Add(row);
                // Ties (a 5th percentile of 0 at every epoch, as under the sum utility) go to the higher validation mean.
                if (validationStats.P5Rate > best.P5 || (validationStats.P5Rate == best.P5 && validationStats.MeanRate > best.Mean))
                {
                    best = (validationStats.P5Rate, validationStats.MeanRate, epoch, TorchArtifacts.Tensors(model));
                }

                progress?.Report(new EpochProgress(epoch, o.Epochs, Summary(row)));
                if (epoch % halveEvery == 0)
                {
                    optimizer.LearningRate *= 0.5;

                    dualStep *= 0.5;
                }
            }

            SetWeights(model, best.Weights);
            var name = o.ArtifactName;
            JsonElement? evaluation = o.TestConfigs > 0 ? EvaluateTest(model, scenario, settings) : null;
            var wall = clock.Elapsed.TotalSeconds;
            var manifest = new PolicyManifest(name, Hyperparameters, new PfRatioInputs())
            {
                Training = new PolicyTraining(ResilientData.ScenarioName, settings.AsText.Where(kv => IsGiven(kv.Key)).ToDictionary(), TrainingFields(trainSet, validationSet, wall, dataSeconds, halveEvery)),
                Validation = JsonSerializer.SerializeToElement(new Dictionary<string, object>
                {
                    ["meanRate"] = best.Mean,
                    ["p5Rate"] = best.P5,
                    ["bestEpoch"] = best.Epoch,
                    ["selection"] = "best validation 5th-percentile rate (ties: best validation mean rate)",
                }),
                Evaluation = evaluation,
                CodeVersion = o.CodeVersion,
                CreatedUtc = DateTimeOffset.UtcNow,
            };
            var extra = new Dictionary<string, Action<string>>();
            if (!o.MuZero)
            {
                var sir = trainSet.LargeScaleSirDb();
                var finalSlack = ToArray(slack);
                var finalMu = ToArray(mu);
                extra[SlackFiles.CsvName] = path => SlackFiles.WriteCsv(path, users, sir, finalSlack, finalMu);
                extra[SlackFiles.PngName] = path => SlackFiles.DrawPng(path, name, sir, finalSlack);
            }

            CurvePanel[] curves =
            [
                new("mean rate (bps/Hz)", ["train_mean", "val_mean"]),
                new("5th-percentile rate", ["train_p5", "val_p5"]),
                new("average slack z", ["avg_slack"]),
                new("constraint violation", ["violation"]),
            ];
            return new TrainingOutcome(manifest, TorchArtifacts.Tensors(model), history, curves, extra);
        }
        finally
        {
            set_num_threads(threadsBefore);
        }

        bool IsGiven(string key) => key is "aps" or "users" || (key == "fmin" && o.Fmin is not null) || (key == "warmup" && o.Warmup is not null);
    }

    /// <summary>A fresh network from torch's global generator with the power head's bias set to <paramref name="powerInit"/>.</summary>
    public static ResilientGnnNet CreateModel(double powerInit)
    {
        var model = new ResilientGnnNet(Hyperparameters);
        using (no_grad())
        {
            model.PowerBias.fill_(Scalars.Of(powerInit));
        }

        return model;
    }

    /// <summary>
    /// One optimizer step on one batch: gradients cleared, the learning rollout (per-slot backward; the baseline
    /// <paramref name="baseline"/> is updated in place), then Adam. Returns the rollout's trajectory.
    /// </summary>
    public static RolloutResult Step(ResilientGnnNet model, ScalarSafeAdam optimizer, ResilientBatch batch, double maxPower, Tensor weights, Tensor baseline, Generator generator, ResilientTrainerOptions options, Action<int, Tensor>? observeDraws = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        optimizer.ZeroGrad();
        var result = ResilientRollout.Run(model, batch, maxPower, new RolloutSettings
        {
            Sample = true,
            Generator = generator,
            Weights = weights,
            Baseline = baseline,
            Decay = options.BaselineDecay,
            PfWeights = options.Utility == ResilientUtility.Pf,
            Follow = options.Follow,
            PfFloor = options.PfFloor,
            Fairness = options.Fairness,
            ObserveDraws = observeDraws,
        });
        optimizer.Step();
        return result;
    }

    /// <summary>Per-user rates averaged over the scored slots, row-major [C, n], with the execution policy (largest pi).</summary>
    public static double[] Evaluate(ResilientGnnNet model, ResilientSet set)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(set);
        var users = set.Description.Users;
        var rates = new double[set.Configurations * users];
        using var noGrad = no_grad();
        for (var start = 0; start < set.Configurations; start += EvaluationBatch)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(EvaluationBatch, set.Configurations - start);
            var batch = set.Slice(start, count);
            var result = ResilientRollout.Run(model, batch, set.Description.MaxPower, new RolloutSettings { Sample = false });
            var mean = result.Rates.mean([1]).to(ScalarType.Float64).contiguous();
            mean.data<double>().CopyTo(rates, start * users);
        }

        return rates;
    }

    private JsonElement EvaluateTest(ResilientGnnNet model, Scenario scenario, ScenarioSettings settings)
    {
        var o = Options;
        using var testSet = ResilientData.Build(settings, o.TestSeed, o.TestConfigs, o.Slots, o.Threads);
        var modelStats = RateSummary.Of(Evaluate(model, testSet), testSet.Description.Users);
        var baselines = new Dictionary<string, object>();
        var provider = o.Policies ?? ControlPolicies.Provider;
        foreach (var policy in o.Baselines.Where(p => p.Length > 0))
        {
            var metrics = Evaluator.Run(new EvaluationRequest(scenario, settings, policy, o.TestSeed, o.TestConfigs, o.Slots, provider)).Metrics;
            baselines[policy] = new RateSummary(metrics.MeanRate, metrics.P5Rate, metrics.SumRate).ToJson();
        }

        return JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["data"] = Describe(testSet),
            ["model"] = modelStats.ToJson(),
            ["baselines"] = baselines,
        });
    }

    private Dictionary<string, JsonElement> TrainingFields(ResilientSet trainSet, ResilientSet validationSet, double wall, double dataSeconds, int halveEvery)
    {
        var o = Options;
        var fmin = trainSet.Fmin.flatten()[0].item<double>();
        var fields = new Dictionary<string, object>
        {
            ["seed"] = o.Seed,
            ["data"] = new Dictionary<string, object> { ["train"] = Describe(trainSet), ["validation"] = Describe(validationSet) },
            ["configurations"] = new Dictionary<string, object> { ["train"] = trainSet.Configurations, ["validation"] = validationSet.Configurations },
            ["epochs"] = o.Epochs,
            ["batchConfigurations"] = o.Batch,
            ["wallSeconds"] = Math.Round(wall, 1),
            ["dataSeconds"] = Math.Round(dataSeconds, 1),
            ["threads"] = o.Threads,
            ["trainer"] = "Controller.Learning ResilientTrainer (TorchSharp " + typeof(torch).Assembly.GetName().Version?.ToString(3) + ", float32)",
            ["optimizer"] = "adam",
            ["learningRate"] = o.LearningRate,
            ["halveEveryEpochs"] = halveEvery,
            ["duals"] = o.MuZero
                ? "none: mu = 0 (no minimum-rate constraint), lambda is the utility's marginal alone"
                : "simplified: x := Ehat f, lambda = U'(x) + mu (1 + mu for the sum utility); per training configuration and user; z then mu updated after each batch",
            ["dualStep"] = o.DualStep,
            ["alpha"] = o.Alpha,
            ["fmin"] = fmin,
            ["utility"] = o.Utility == ResilientUtility.Sum
                ? "sum of rates (paper 003): lambda = 1 + mu"
                : string.Create(CultureInfo.InvariantCulture, $"alpha-fair with alpha = {PythonFloat(o.Fairness)} (1 = proportional fair): lambda_j(t) = max(fbar_j(t), {PythonFloat(o.PfFloor)})^-{PythonFloat(o.Fairness)} + mu_j"),
            ["trajectory"] = o.Follow == ResilientFollow.Greedy
                ? "execution selection (largest pi); REINFORCE scores a sampled selection at the same state"
                : "sampled selection (paper 003)",
            ["powerBiasInit"] = o.PowerInit,
            ["baselineDecay"] = o.BaselineDecay,
            ["powerGradient"] = "model-based through the rate formula",
            ["selectionGradient"] = $"REINFORCE, per-slot reward sum_j lambda_j f_j(t), moving-average baseline per configuration (decay {PythonFloat(o.BaselineDecay)}, carried over epochs)",
            ["execution"] = "largest pi per cell (validation and test)",
            ["command"] = o.Command,
        };
        return fields.ToDictionary(kv => kv.Key, kv => JsonSerializer.SerializeToElement(kv.Value));
    }

    private static Dictionary<string, object> Describe(ResilientSet set)
    {
        var d = set.Description;
        return new Dictionary<string, object>
        {
            ["source"] = "drawn in process (ScenarioCatalog)",
            ["scenario"] = d.Scenario,
            ["seed"] = d.Seed,
            ["configurations"] = d.Configurations,
            ["slots"] = d.Slots,
            ["warmup"] = d.WarmupSlots,
        };
    }

    /// <summary>Python's <c>str(float)</c> for the simple values options take (1.0, 0.05, 0.9).</summary>
    private static string PythonFloat(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0";
    }

    private static string Summary(EpochRow row) => string.Create(
        CultureInfo.InvariantCulture,
        $"epoch {row.Epoch,3}  train mean {row["train_mean"]:F4} p5 {row["train_p5"]:F4}  val mean {row["val_mean"]:F4} p5 {row["val_p5"]:F4}  slack {row["avg_slack"]:F3}  mu {row["avg_mu"]:F3}  violation {row["violation"]:F4}  power {row["train_power"]:F1}  |A| {row["baseline_abs_advantage"]:F3}  {row["seconds"]:F1} s");

    private static double[] ToArray(Tensor values)
    {
        using var contiguous = values.to(ScalarType.Float64).contiguous();
        return contiguous.data<double>().ToArray();
    }

    /// <summary>Copies <paramref name="tensors"/> (names and shapes of the model's parameters) into <paramref name="model"/>.</summary>
    internal static void SetWeights(nn.Module model, IReadOnlyList<SafeTensor> tensors)
    {
        var byName = tensors.ToDictionary(t => t.Name);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var values = tensor(byName[name].Values.ToArray(), parameter.shape);
            parameter.copy_(values);
        }
    }
}

/// <summary>
/// <c>controller eval</c>'s rate metrics over time-averaged per-user rates (data.py's <c>rate_statistics</c>): mean and
/// 5th percentile (<see cref="RateStatistics.Percentile"/>, numpy's linear interpolation) pooled over all users, sum
/// rate per configuration averaged.
/// </summary>
/// <param name="MeanRate">Mean of the pooled per-user rates.</param>
/// <param name="P5Rate">5th percentile of the pooled per-user rates.</param>
/// <param name="SumRate">Sum over a configuration's users, averaged over configurations.</param>
public sealed record RateSummary(double MeanRate, double P5Rate, double SumRate)
{
    /// <summary>The metrics of row-major [C, n] rates.</summary>
    public static RateSummary Of(double[] rates, int users)
    {
        ArgumentNullException.ThrowIfNull(rates);
        var configurations = rates.Length / users;
        var sum = 0.0;
        for (var c = 0; c < configurations; c++)
        {
            sum += rates.AsSpan(c * users, users).ToArray().Sum();
        }

        return new RateSummary(rates.Average(), RateStatistics.Percentile(rates, 5), sum / configurations);
    }

    /// <summary>The manifest's form: <c>{"meanRate", "p5Rate", "sumRate"}</c>.</summary>
    public Dictionary<string, object> ToJson() => new()
    {
        ["meanRate"] = MeanRate,
        ["p5Rate"] = P5Rate,
        ["sumRate"] = SumRate,
    };
}
