using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Controller.Learning.Models;
using Controller.Optimization.Policies;
using Controller.Policies.ArtifactFormat;
using Controller.Radio.Evaluation;
using Controller.Radio.Scenarios;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Controller.Learning.Training;

/// <summary>
/// Model-free primal-dual training of paper 004's Agg-GNN, the C# port of the Python trainer <c>training.train_agg</c>
/// (same algorithm, options and defaults), and by the same algorithm on the same data of the centralized selection GNN
/// that the paper compares with (<see cref="AggTrainingOptions.Architecture"/> = <c>sel-gnn</c>, <see cref="SelGnnNet"/>). Each transmitter sees only its aggregation sequence (<see cref="AggData"/>),
/// which does not depend on the policy; the CNN gives q_i = P(transmit at p0); actions are Bernoulli draws.
/// <list type="bullet">
/// <item>Primal: REINFORCE on the per-slot Lagrangian reward <c>R(t) = sum_i f_i(t) - mu (sum_i a_i(t) - (1 - margin) budget / p0)</c>
/// with the log-probabilities of the nodes that drew, minus a moving-average baseline kept per training slot
/// (<c>b &lt;- d b + (1 - d) R</c> at every visit, the first visit sets b = R); rates are observed, not differentiated; Adam.</item>
/// <item>Dual: <c>mu = max(0, mu + eps_mu (mean_t sum_i a_i(t) - (1 - margin) budget / p0))</c> after every iteration.</item>
/// <item>An iteration is a batch of configurations with all their training slots; an epoch one pass over them in a
/// random order. Kept: the best validation sum rate among epochs whose validation mean power is within
/// <see cref="AggTrainingOptions.SelectPower"/> of the budget (draws with seed + 1000003); the test set uses seed + 2000003.</item>
/// </list>
/// Every random number comes from one <see cref="Generator"/> seeded with the training seed, in the Python trainer's order
/// (initial weights, then per epoch the order and per batch the draws), so a seed gives the same weights bit for bit.
/// </summary>
public sealed class AggTrainer : IDisposable
{
    /// <summary>Added to the seed for the validation draws.</summary>
    public const long ValidationDrawSeedOffset = 1_000_003;

    /// <summary>Added to the seed for the test draws.</summary>
    public const long TestDrawSeedOffset = 2_000_003;

    /// <summary>Convolution layers of the CNN (the artifact format's default).</summary>
    public const int Layers = 10;

    /// <summary>Taps of every convolution (the artifact format's default).</summary>
    public const int FilterLength = 10;

    private static readonly CurvePanel[] CurvePanels =
    [
        new("sum rate (bps/Hz)", ["train_sum_rate", "val_sum_rate"]),
        new("mean power", ["train_power", "val_power", "budget"]),
        new("budget dual mu", ["mu"]),
        new("constraint violation (val)", ["violation"]),
    ];

    private readonly AggTrainingOptions _options;
    private readonly AggData _train;
    private readonly Generator _generator;
    private readonly ScalarSafeAdam _optimizer;

    /// <summary>
    /// Sets up training on <paramref name="train"/>: the input scale (mean |sequence| per position over the training data,
    /// 1 where that is 0), the network started near the identity from the seeded generator, Adam, an empty baseline and mu = 0.
    /// </summary>
    public AggTrainer(AggTrainingOptions options, AggData train)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(train);
        options.Validate();
        NativeAllocator.KeepFreedBlocks();
        _options = options;
        _train = train;
        _generator = new Generator((ulong)options.Seed);
        if (options.Architecture == SelGnnHyperparameters.Name)
        {
            Scale = [SelGnnNet.MeanState(train)];
            Model = new SelGnnNet(new SelGnnHyperparameters(Layers, FilterLength, train.P0), Scale[0]);
        }
        else
        {
            Scale = InputScale(train);
            Model = new AggGnnNet(new AggGnnHyperparameters(train.Hops, Layers, FilterLength, train.P0), Scale);
        }

        Model.ResetNearIdentity(_generator);
        _optimizer = new ScalarSafeAdam(Model.parameters(), options.LearningRate);
        Baseline = full(train.Configurations, train.Slots, Scalars.Of(double.NaN), dtype: ScalarType.Float32);
        TargetOn = (1 - options.BudgetMargin) * train.Budget / train.P0;
    }

    /// <summary>The network being trained: the Agg-GNN, or the selection GNN when the options say <c>sel-gnn</c>.</summary>
    public OnOffNet Model { get; }

    /// <summary>The input scale (float32 values), as the manifest records it: per sequence position (Agg-GNN), or the one state scale (selection GNN).</summary>
    public IReadOnlyList<double> Scale { get; }

    /// <summary>The budget dual mu (bps/Hz per transmitter).</summary>
    public double Mu { get; set; }

    /// <summary>[C, S] float32: the moving-average baseline per training configuration and slot (NaN before the first visit).</summary>
    public Tensor Baseline { get; }

    /// <summary>Transmitters on per slot that the dual aims at: (1 - margin) budget / p0.</summary>
    public double TargetOn { get; }

    /// <summary>Iterations (optimizer steps) so far.</summary>
    public int Iterations { get; private set; }

    /// <summary>The generator of the draws and batch orders.</summary>
    public Generator Generator => _generator;

    /// <summary>
    /// Trains with <paramref name="options"/> on data drawn in process, reports each epoch to <paramref name="progress"/>, and
    /// returns the chosen weights, the manifest (with the test evaluation beside the controller's baselines unless there
    /// are no test configurations), the history and its curves.
    /// </summary>
    public static TrainingOutcome Train(AggTrainingOptions options, IProgress<EpochProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        set_num_threads(options.Threads);
        // torch.use_deterministic_algorithms has no TorchSharp binding (marked not implemented); the CPU kernels used here
        // are deterministic for a fixed thread count, which the determinism test checks.
        random.manual_seed(options.Seed);
        var settings = ScenarioCatalog.Get(AggData.ScenarioName).Resolve(options.ScenarioSettings());
        using var train = AggData.Create(settings, options.TrainSeed, options.TrainConfigurations, options.TrainSlots, options.Threads);
        using var validation = AggData.Create(settings, options.ValidationSeed, options.ValidationConfigurations, options.Slots, options.Threads);
        var dataSeconds = clock.Elapsed.TotalSeconds;
        using var trainer = new AggTrainer(options, train);
        var budget = train.Budget;
        var history = new List<EpochRow>();
        Best? best = null;
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var epochClock = Stopwatch.StartNew();
            if (options.LearningRateHalveEvery > 0 && epoch > 1 && (epoch - 1) % options.LearningRateHalveEvery == 0)
            {
                trainer._optimizer.LearningRate *= 0.5;
            }

            var steps = trainer.Epoch();
            var val = Evaluate(trainer.Model, validation, options.Seed + ValidationDrawSeedOffset);
            var row = new EpochRow(epoch,
            [
                new("iteration", trainer.Iterations),
                new("train_sum_rate", steps.Average(s => s.SumRate)),
                new("train_power", steps.Average(s => s.Power)),
                new("val_sum_rate", val.SumRate),
                new("val_power", val.MeanPower),
                new("budget", budget),
                new("mu", trainer.Mu),
                new("violation", Math.Max(0, val.MeanPower - budget) / budget),
                new("baseline_abs_advantage", steps.Average(s => s.AbsAdvantage)),
                new("seconds", epochClock.Elapsed.TotalSeconds),
            ]);
            history.Add(row);
            var feasible = val.MeanPower <= options.SelectPower * budget;
            var better = best is null
                || (feasible && (!best.Feasible || val.SumRate > best.Validation.SumRate))
                || (!feasible && !best.Feasible && val.MeanPower < best.Validation.MeanPower);
            if (better)
            {
                best = new Best(epoch, val, feasible, TorchArtifacts.Tensors(trainer.Model));
            }

            progress?.Report(new EpochProgress(epoch, options.Epochs, string.Create(
                CultureInfo.InvariantCulture,
                $"epoch {epoch} (iteration {trainer.Iterations})  train sum rate {row["train_sum_rate"]:F3} power {row["train_power"]:F0}  val sum rate {val.SumRate:F3} power {val.MeanPower:F0} / {budget:F0}  mu {trainer.Mu:F4}  violation {row["violation"]:F4}  |A| {row["baseline_abs_advantage"]:F3}  {row["seconds"]:F2} s")));
        }

        SetParameters(trainer.Model, best!.Tensors);
        var wallSeconds = clock.Elapsed.TotalSeconds;
        PolicyInputs inputs = trainer.Model is SelGnnNet
            ? new ChannelGraphInputs(trainer.Scale[0])
            : new AggregationInputs(trainer.Scale) { EdgeThreshold = train.EdgeThreshold, Activity = Activity(train) };
        var manifest = new PolicyManifest(options.ArtifactName, trainer.Model.ArtifactHyperparameters, inputs)
        {
            Training = new PolicyTraining(AggData.ScenarioName, options.ScenarioSettings().ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal), TrainingFields(options, train, validation, trainer.Iterations, wallSeconds, dataSeconds)),
            Validation = Json(new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["sumRate"] = best.Validation.SumRate,
                ["meanRate"] = best.Validation.MeanRate,
                ["p5Rate"] = best.Validation.P5Rate,
                ["meanPower"] = best.Validation.MeanPower,
                ["powerBudget"] = budget,
                ["bestEpoch"] = best.Epoch,
                ["selection"] = string.Create(CultureInfo.InvariantCulture, $"best validation sum rate with mean power within {options.SelectPower} x the budget"),
            }),
            CodeVersion = options.CodeVersion,
            CreatedUtc = DateTimeOffset.UtcNow,
        };
        if (options.TestConfigurations > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            manifest = manifest with { Evaluation = Json(TestEvaluation(options, settings, trainer.Model, cancellationToken)) };
        }

        return new TrainingOutcome(manifest, best.Tensors, history, CurvePanels);
    }

    /// <summary>
    /// What each link transmits per slot ([B, S, m] in {0, 1}) as the controller executes it: a deciding node (active and
    /// awake) its draw, an inactive link nothing, an asleep one its action of the slot before (off before its first decision).
    /// </summary>
    public static Tensor HeldActions(Tensor draws, Tensor deciding, Tensor active)
    {
        ArgumentNullException.ThrowIfNull(draws);
        ArgumentNullException.ThrowIfNull(deciding);
        ArgumentNullException.ThrowIfNull(active);
        using var scope = NewDisposeScope();
        var slots = draws.shape[1];
        var t = arange(slots, dtype: ScalarType.Int64).view(1, slots, 1).expand_as(draws);
        var sets = deciding.logical_or(active.logical_not());
        var (last, _) = where(sets, t, full_like(t, Scalars.OfInteger(-1))).cummax(1);
        var values = where(deciding, draws, zeros_like(draws));
        var held = values.gather(1, last.clamp_min(Scalars.OfInteger(0)));
        return where(last.ge(Scalars.OfInteger(0)), held, zeros_like(held)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Rates [..., m] of one-to-one links (receiver i served by transmitter i, noise 1) when <paramref name="on"/> [..., m]
    /// says who transmits at <paramref name="p0"/>: the controller's SINR with the interference summed over the others.
    /// <paramref name="snrGains"/> is [..., m, m], gains / noise.
    /// </summary>
    public static Tensor SlotRates(Tensor snrGains, Tensor on, double p0)
    {
        ArgumentNullException.ThrowIfNull(snrGains);
        ArgumentNullException.ThrowIfNull(on);
        using var scope = NewDisposeScope();
        var power = Scalars.Of(p0) * on;
        var received = snrGains * power.unsqueeze(-2);
        var eye = torch.eye(on.shape[^1], dtype: received.dtype);
        var signal = (received * eye).sum(-1);
        var interference = (received * Scalars.One.Minus(eye)).sum(-1);
        return log2((signal / interference.Plus(Scalars.One)).Plus(Scalars.One)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Executes the policy as the controller does (Bernoulli draws at every slot from slot 0, held while asleep) with the
    /// draw seed <paramref name="seed"/>, in batches of <paramref name="batch"/> configurations; sumRate, meanRate and p5Rate
    /// are over the time-averaged per-node rates (as <c>controller eval</c>), meanPower the total power per slot.
    /// </summary>
    public static AggMetrics Evaluate(OnOffNet model, AggData data, long seed, int batch = 64)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        NativeAllocator.KeepFreedBlocks();
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        var nodeRates = new double[data.Configurations * data.Pairs];
        var powers = new double[data.Configurations];
        for (var start = 0; start < data.Configurations; start += batch)
        {
            using var scope = NewDisposeScope();
            var length = Math.Min(batch, data.Configurations - start);
            var q = sigmoid(model.Logits(data, start, length));
            var on = HeldActions(bernoulli(q, generator), data.Deciding.narrow(0, start, length), data.Active.narrow(0, start, length));
            var rates = SlotRates(data.SnrGains.narrow(0, start, length), on, data.P0);
            rates.mean([1]).to(ScalarType.Float64).data<double>().CopyTo(nodeRates, start * data.Pairs);
            (on.sum(-1) * Scalars.Of(data.P0)).to(ScalarType.Float64).mean([1]).data<double>().CopyTo(powers, start);
        }

        var sums = new double[data.Configurations];
        for (var c = 0; c < data.Configurations; c++)
        {
            sums[c] = nodeRates.AsSpan(c * data.Pairs, data.Pairs).ToArray().Sum();
        }

        return new AggMetrics(sums.Average(), nodeRates.Average(), RateStatistics.Percentile(nodeRates, 5), powers.Average(), data.Budget);
    }

    /// <summary>One epoch: a random order of the training configurations (from the generator), then one <see cref="Step"/> per batch.</summary>
    public IReadOnlyList<AggStepResult> Epoch()
    {
        using var order = randperm(_train.Configurations, generator: _generator);
        var steps = new List<AggStepResult>();
        for (var start = 0; start < _train.Configurations; start += _options.Batch)
        {
            using var index = order.narrow(0, start, Math.Min(_options.Batch, _train.Configurations - start));
            steps.Add(Step(index));
        }

        return steps;
    }

    /// <summary>
    /// The Bernoulli draws [B, S, m] that <see cref="Step"/> would make for the configurations <paramref name="index"/> now,
    /// taken from the generator (so a following <c>Step(index, draws)</c> consumes the generator as <c>Step(index)</c> would).
    /// </summary>
    public Tensor Draws(Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var q = sigmoid(Model.Logits(_train, index));
        return bernoulli(q, _generator).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One iteration on the training configurations <paramref name="index"/> (int64 [B]): logits, q, Bernoulli draws (or
    /// <paramref name="draws"/> when given), held actions, rates, the Lagrangian reward against the per-slot baseline,
    /// REINFORCE loss over the deciding nodes' log-probabilities, one Adam step, then the dual update. The parameters'
    /// gradients stay set until the next step.
    /// </summary>
    public AggStepResult Step(Tensor index, Tensor? draws = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        using var scope = NewDisposeScope();
        var logits = Model.Logits(_train, index);
        var q = sigmoid(logits);
        draws ??= bernoulli(q.detach(), _generator);
        var deciding = _train.Deciding.index_select(0, index);
        var on = HeldActions(draws, deciding, _train.Active.index_select(0, index));
        Tensor rates;
        using (NewDisposeScope())
        {
            // The batch's gains (8 MB at the defaults) are freed as soon as the rates are known, as in Python.
            rates = SlotRates(_train.SnrGains.index_select(0, index), on, _train.P0).MoveToOuterDisposeScope();
        }

        var transmitting = on.sum(-1);
        // mu changes every step: its scalar is a local that lives until the step ends (see Scalars).
        using var mu = Mu.ToScalar();
        var reward = rates.sum(-1) - (mu * (transmitting - Scalars.Of(TargetOn)));
        var previous = Baseline.index_select(0, index);
        var b = where(isnan(previous), reward, previous);
        var advantage = reward - b;
        Baseline.index_copy_(0, index, (Scalars.Of(_options.BaselineDecay) * b).Plus(Scalars.Of(1 - _options.BaselineDecay) * reward));

        // Only the nodes that drew this slot took an action of the policy.
        // log sigmoid(l) = -softplus(-l): the same log-probabilities without softplus's temporary scalars (see ScalarSafe).
        var logPsi = (deciding * (draws * logits.LogSigmoid()).Plus(Scalars.One.Minus(draws) * (-logits).LogSigmoid())).sum(-1);
        var loss = -(advantage * logPsi).mean();
        _optimizer.ZeroGrad();
        loss.backward();
        _optimizer.Step();
        double meanOn = transmitting.mean().item<float>();
        Mu = Math.Max(0.0, Mu + (_options.DualStep * (meanOn - TargetOn)));
        Iterations++;
        return new AggStepResult(rates.sum(-1).mean().item<float>(), meanOn * _train.P0, advantage.abs().mean().item<float>(), loss.item<float>());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _optimizer.Dispose();
        Model.Dispose();
        Baseline.Dispose();
        _generator.Dispose();
    }

    /// <summary>Mean |sequence| per position over the training data (in double), 1 where it is 0, rounded to float32.</summary>
    private static double[] InputScale(AggData train)
    {
        using var scope = NewDisposeScope();
        var mean = train.Sequences.abs().to(ScalarType.Float64).mean([0, 1, 2]);
        var scale = where(mean.gt(Scalars.Zero), mean, ones_like(mean)).to(ScalarType.Float32);
        return [.. scale.data<float>().ToArray().Select(s => (double)s)];
    }

    /// <summary>Copies <paramref name="tensors"/> into the parameters of the same names.</summary>
    private static void SetParameters(nn.Module module, IReadOnlyList<SafeTensor> tensors)
    {
        var byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in module.named_parameters())
        {
            using var values = tensor(byName[name].Values.ToArray(), parameter.shape);
            parameter.copy_(values);
        }
    }

    private static string Activity(AggData data)
        => data.AwakeProbability >= 1
            ? "synchronous (all nodes active)"
            : string.Create(CultureInfo.InvariantCulture, $"asynchronous: each pair awake with probability {data.AwakeProbability} per slot; asleep pairs send nothing and keep their last action");

    private static Dictionary<string, JsonElement> TrainingFields(AggTrainingOptions options, AggData train, AggData validation, int iterations, double wallSeconds, double dataSeconds)
    {
        var fields = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["seed"] = options.Seed,
            ["data"] = new Dictionary<string, object>(StringComparer.Ordinal) { ["train"] = train.Describe(), ["validation"] = validation.Describe() },
            ["configurations"] = new Dictionary<string, int>(StringComparer.Ordinal) { ["train"] = train.Configurations, ["validation"] = validation.Configurations },
            ["epochs"] = options.Epochs,
            ["iterations"] = iterations,
            ["batchEpisodes"] = options.Batch,
            ["episode"] = string.Create(CultureInfo.InvariantCulture, $"one configuration, all {train.Slots} training slots"),
            ["wallSeconds"] = Math.Round(wallSeconds, 1),
            ["dataSeconds"] = Math.Round(dataSeconds, 1),
            ["threads"] = options.Threads,
            ["trainer"] = "Controller.Learning AggTrainer (TorchSharp, libtorch CPU)",
            ["policy"] = options.Architecture == SelGnnHyperparameters.Name
                ? "centralized selection GNN on the current channel (paper 004's comparison, its reference [16])"
                : "decentralized Agg-GNN on each node's aggregation sequence",
            ["optimizer"] = "adam",
            ["learningRate"] = options.LearningRate,
            ["learningRateSchedule"] = options.LearningRateHalveEvery > 0
                ? string.Create(CultureInfo.InvariantCulture, $"halved every {options.LearningRateHalveEvery} epochs")
                : "constant",
            ["dualStep"] = options.DualStep,
            ["budgetMargin"] = options.BudgetMargin,
            ["selectPower"] = options.SelectPower,
            ["powerUnit"] = "p0 (mu in bps/Hz per transmitter)",
            ["gradient"] = string.Create(CultureInfo.InvariantCulture, $"REINFORCE on sum rate - mu (transmitters - budget), moving-average baseline per training slot (decay {options.BaselineDecay})"),
            ["command"] = options.Command,
        };
        return fields.ToDictionary(kv => kv.Key, kv => Json(kv.Value), StringComparer.Ordinal);
    }

    private static Dictionary<string, object> TestEvaluation(AggTrainingOptions options, ScenarioSettings settings, OnOffNet model, CancellationToken cancellationToken)
    {
        using var test = AggData.Create(settings, options.TestSeed, options.TestConfigurations, options.Slots, options.Threads);
        var metrics = Evaluate(model, test, options.Seed + TestDrawSeedOffset);
        var baselines = new Dictionary<string, object>(StringComparer.Ordinal);
        var scenario = ScenarioCatalog.Get(AggData.ScenarioName);
        foreach (var spec in options.Baselines.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var policy = spec.Replace("{K}", test.Hops.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            var request = new EvaluationRequest(scenario, settings, policy, options.TestSeed, options.TestConfigurations, options.Slots, ControlPolicies.Provider);
            var result = Evaluator.Run(request, cancellationToken: cancellationToken).Metrics;
            baselines[policy] = new AggMetrics(result.SumRate, result.MeanRate, result.P5Rate, result.MeanPower, result.PowerBudget).ToJson();
        }

        return new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["data"] = test.Describe(),
            ["model"] = metrics.ToJson(),
            ["baselines"] = baselines,
        };
    }

    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    private sealed record Best(int Epoch, AggMetrics Validation, bool Feasible, IReadOnlyList<SafeTensor> Tensors);
}

/// <summary>One iteration's numbers.</summary>
/// <param name="SumRate">Mean over the batch's slots of the sum rate (bps/Hz).</param>
/// <param name="Power">Mean total power per slot.</param>
/// <param name="AbsAdvantage">Mean |reward - baseline|.</param>
/// <param name="Loss">The REINFORCE loss.</param>
public sealed record AggStepResult(double SumRate, double Power, double AbsAdvantage, double Loss);

/// <summary>The metrics of <c>controller eval</c> that the Agg-GNN manifest records.</summary>
/// <param name="SumRate">Sum over links of the time-averaged rate, averaged over configurations.</param>
/// <param name="MeanRate">Mean time-averaged rate, pooled.</param>
/// <param name="P5Rate">5th percentile of the pooled time-averaged rates.</param>
/// <param name="MeanPower">Total transmit power per slot, averaged.</param>
/// <param name="PowerBudget">The power budget.</param>
public sealed record AggMetrics(double SumRate, double MeanRate, double P5Rate, double MeanPower, double PowerBudget)
{
    /// <summary>The manifest's object: sumRate, meanRate, p5Rate, meanPower, powerBudget.</summary>
    public IReadOnlyDictionary<string, double> ToJson() => new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["sumRate"] = SumRate,
        ["meanRate"] = MeanRate,
        ["p5Rate"] = P5Rate,
        ["meanPower"] = MeanPower,
        ["powerBudget"] = PowerBudget,
    };
}
