using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Controller.Learning.Models;
using Controller.Learning.Training;
using Controller.Policies.ArtifactFormat;
using Controller.Policies.Models;
using Controller.Radio.Randomness;
using Controller.Radio.Scenarios;
using TorchSharp;
using static TorchSharp.torch;

namespace Controller.Learning.Alcor;

/// <summary>Validation or test numbers of an <c>alcor-dnn</c> network.</summary>
/// <param name="SumRate">Mean sum rate per slot (bps/Hz).</param>
/// <param name="Reward">Reward (10): sum of the users' mean rates minus L times the summed shortfalls of the mean rates below the demands (equals the sum rate without demands).</param>
/// <param name="ViolationPct">Eq. (12) on the mean rates, averaged over the demand windows (0 without demands).</param>
public sealed record AlcorDnnMetrics(double SumRate, double Reward, double ViolationPct);

/// <summary>
/// Unsupervised training of paper 001's allocators (Sec. III-B and IV) on the <c>gaussian-ic</c> scenario with Adam
/// (<see cref="ScalarSafeAdam"/>):
/// <list type="bullet">
/// <item><b>centralized</b>: maximizes eq. (3), the expected sum rate (9) of the users that are on, from the full channel
/// H_xi (rows and columns of users that are off set to 0); non-diverse (all users on) by default, diverse with
/// <see cref="AlcorDnnOptions.Diverse"/> (kappa from {0.2, 0.5, 1} per sample, users on with probability kappa).</item>
/// <item><b>distributed</b>: the same reward with one network shared by every user on its 41 local measurements
/// (<see cref="AlcorDnnLocalState"/>): a batch of networks runs slot after slot, each slot's measurements computed from the
/// powers and rates of the slots before (as the controller executes it), the gradient taken through the current slot.</item>
/// <item><b>fixed</b>: the centralized network with all users on, trained with reward (10) for one demand vector:
/// <c>sum_i E[R_i] - L sum_i max(0, u_i - E[R_i])</c>, the expectations the batch means.</item>
/// <item><b>dynamic</b>: input H and the demand vector u, reward (10) per demand group, u drawn uniformly in
/// [0, DemandMax]^N for each group of the batch.</item>
/// </list>
/// Each epoch ends with a validation on the validation seed; the kept weights are the best epoch's (sum rate for
/// centralized and distributed, reward (10) for fixed and dynamic). Deterministic for a fixed seed and thread count.
/// </summary>
public sealed class AlcorDnnTrainer : IDisposable
{
    // Validation and test run EvaluationSamples slots spread over this many configurations (networks).
    private const int EvaluationNetworks = 50;

    // The distributed network's first slots have no history; they are not scored.
    private const int UnscoredSlots = 2;

    // Table I's diverse training: kappa in {0.2, 0.5, 1} (times the all-ones vector).
    private static readonly float[] KappaLevels = [0.2f, 0.5f, 1f];

    private readonly AlcorDnnOptions _options;
    private readonly ScalarSafeAdam _optimizer;
    private readonly Generator _generator;
    private readonly Scenario _scenario;
    private readonly ScenarioSettings _settings;
    private readonly int _n;
    private readonly double[] _fixedDemands;
    private AlcorDnnLocalState[] _local = [];

    /// <summary>Sets up the network (seeded), optimizer and scenario.</summary>
    public AlcorDnnTrainer(AlcorDnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _n = options.Users;
        random.manual_seed(options.Seed);
        Model = new AlcorDnnNet(options.Hyperparameters);
        if (options.InitialArtifact is { } initial)
        {
            Model.Load(initial.Weights.Tensors);
            Steps = InitialSteps(initial);
        }

        _optimizer = new ScalarSafeAdam(Model.parameters(), options.LearningRate);
        _generator = new Generator((ulong)options.Seed);
        _scenario = ScenarioCatalog.Get(AlcorDnnOptions.ScenarioName);
        _settings = _scenario.Resolve(ScenarioSettings(options));
        var probe = _scenario.CreateConfiguration(_settings, options.TrainSeed, 0);
        Noise = probe.Constants.Noise;
        MaxPower = probe.Constants.MaxPower;
        _fixedDemands = options.DemandVector;
    }

    /// <summary>The network being trained.</summary>
    public AlcorDnnNet Model { get; }

    /// <summary>Noise power of the scenario (10^(-SNR/10)).</summary>
    public double Noise { get; }

    /// <summary>Pmax of the scenario.</summary>
    public double MaxPower { get; }

    /// <summary>Optimizer steps so far.</summary>
    public int Steps { get; private set; }

    /// <summary>The scenario settings the data are drawn with.</summary>
    public static KeyValuePair<string, string>[] ScenarioSettings(AlcorDnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return
        [
            new("links", options.Users.ToString(CultureInfo.InvariantCulture)),
            new("snrDb", options.SnrDb.ToString("R", CultureInfo.InvariantCulture)),
        ];
    }

    /// <summary>Trains with <paramref name="options"/>, reporting each epoch, and returns the best epoch's weights with manifest and history.</summary>
    public static TrainingOutcome Train(AlcorDnnOptions options, IProgress<EpochProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        var threads = get_num_threads();
        set_num_threads(options.Threads);
        try
        {
            using var trainer = new AlcorDnnTrainer(options);
            var history = new List<EpochRow>();
            (int Epoch, AlcorDnnMetrics Metrics, IReadOnlyList<SafeTensor> Tensors)? best = null;
            for (var epoch = 1; epoch <= options.Epochs; epoch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var epochClock = Stopwatch.StartNew();
                double loss = 0, sumRate = 0;
                for (var s = 0; s < options.StepsPerEpoch; s++)
                {
                    var (stepLoss, stepRate) = trainer.Step();
                    loss += stepLoss / options.StepsPerEpoch;
                    sumRate += stepRate / options.StepsPerEpoch;
                }

                var val = trainer.Evaluate(options.ValidationSeed);
                history.Add(new EpochRow(epoch,
                [
                    new("step", trainer.Steps),
                    new("train_loss", loss),
                    new("train_sum_rate", sumRate),
                    new("val_sum_rate", val.SumRate),
                    new("val_reward", val.Reward),
                    new("val_viol_pct", val.ViolationPct),
                    new("seconds", epochClock.Elapsed.TotalSeconds),
                ]));
                if (best is null || Score(options, val) > Score(options, best.Value.Metrics))
                {
                    best = (epoch, val, trainer.Model.Tensors());
                }

                progress?.Report(new EpochProgress(epoch, options.Epochs, string.Create(
                    CultureInfo.InvariantCulture,
                    $"epoch {epoch} (step {trainer.Steps})  train loss {loss:F3} sum rate {sumRate:F3}  val sum rate {val.SumRate:F3} reward {val.Reward:F3} viol {val.ViolationPct:F2} %  {epochClock.Elapsed.TotalSeconds:F1} s")));
            }

            trainer.Model.Load(best!.Value.Tensors);
            var test = trainer.Evaluate(options.TestSeed);
            var wallSeconds = clock.Elapsed.TotalSeconds;
            var hyperparameters = options.Hyperparameters;
            var settings = ScenarioSettings(options).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            var manifest = new PolicyManifest(options.ArtifactName, hyperparameters, new AlcorDnnInputs(AlcorDnnInputs.FeaturesOf(options.Kind), 5, 1))
            {
                Training = new PolicyTraining(AlcorDnnOptions.ScenarioName, settings, Fields(options, trainer.Steps, wallSeconds)),
                Validation = Json(Metrics(best.Value.Metrics, best.Value.Epoch)),
                Evaluation = Json(Metrics(test, null)),
                CodeVersion = options.CodeVersion,
                CreatedUtc = DateTimeOffset.UtcNow,
            };
            return new TrainingOutcome(manifest, best.Value.Tensors, history, CurvePanels);
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    /// <summary>The panels of curves.png.</summary>
    public static IReadOnlyList<CurvePanel> CurvePanels { get; } =
    [
        new("sum rate (bps/Hz)", ["train_sum_rate", "val_sum_rate"]),
        new("reward (10)", ["val_reward"]),
    ];

    /// <summary>One optimizer step on a fresh batch; returns the loss and the batch's mean sum rate.</summary>
    public (double Loss, double SumRate) Step()
    {
        using var scope = NewDisposeScope();
        Model.train();
        var batch = _options.Batch;
        var gains = Gains(_options.TrainSeed, Steps, batch);
        var on = _options.Diverse ? DiverseActivity(batch) : ones(batch, _n);
        Tensor power, demands;
        if (_options.Kind == AlcorDnnKind.Distributed)
        {
            if (_local.Length != batch)
            {
                _local = [.. Enumerable.Range(0, batch).Select(_ => new AlcorDnnLocalState(_n))];
            }

            power = DistributedPowers(gains, on, _local);
            demands = zeros(batch, _n);
        }
        else
        {
            demands = _options.Kind switch
            {
                AlcorDnnKind.Fixed => tensor(_fixedDemands, dtype: ScalarType.Float32).unsqueeze(0).expand(batch, _n),
                AlcorDnnKind.Dynamic => DrawDemands(batch),
                _ => zeros(batch, _n),
            };
            power = CentralizedPowers(gains, on, demands);
        }

        var rates = AlcorDnnNet.Rates(gains, power, Noise) * on;
        var groups = _options.Kind == AlcorDnnKind.Dynamic ? _options.DemandGroups : 1;
        var loss = -Reward(rates, demands, groups);
        _optimizer.ZeroGrad();
        loss.backward();
        _optimizer.Step();
        if (_options.Kind == AlcorDnnKind.Distributed)
        {
            Record(_local, gains, power, rates, 0);
        }

        Steps++;
        return (loss.item<float>(), rates.sum(1).mean().item<float>());
    }

    /// <summary>
    /// The network's numbers on <see cref="AlcorDnnOptions.EvaluationSamples"/> slots of <paramref name="seed"/> (50
    /// configurations, slots in sequence), all users on, in eval mode; the demands are the fixed ones, a fresh vector per
    /// configuration for the dynamic network (from the seed's stream), none otherwise.
    /// </summary>
    public AlcorDnnMetrics Evaluate(ulong seed)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Model.eval();
        var slots = Math.Max(UnscoredSlots + 1, _options.EvaluationSamples / EvaluationNetworks);
        var local = Enumerable.Range(0, EvaluationNetworks).Select(_ => new AlcorDnnLocalState(_n)).ToArray();
        var demands = EvaluationDemands(seed);
        var sums = zeros(EvaluationNetworks, _n, dtype: ScalarType.Float64);
        var scored = 0;
        var networks = Enumerable.Range(0, EvaluationNetworks).Select(c => _scenario.CreateConfiguration(_settings, seed, c)).ToArray();
        var values = new float[EvaluationNetworks * _n * _n];
        for (var t = 0; t < slots; t++)
        {
            for (var c = 0; c < EvaluationNetworks; c++)
            {
                networks[c].Advance();
                var g = networks[c].Gains.Values;
                for (var k = 0; k < g.Length; k++)
                {
                    values[(c * _n * _n) + k] = (float)g[k];
                }
            }

            var gains = tensor(values, [EvaluationNetworks, _n, _n]);
            var on = ones(EvaluationNetworks, _n);
            var power = _options.Kind == AlcorDnnKind.Distributed ? DistributedPowers(gains, on, local) : CentralizedPowers(gains, on, demands);
            var rates = AlcorDnnNet.Rates(gains, power, Noise);
            if (_options.Kind == AlcorDnnKind.Distributed)
            {
                Record(local, gains, power, rates, 0);
            }

            if (_options.Kind != AlcorDnnKind.Distributed || t >= UnscoredSlots)
            {
                sums.add_(rates.to(ScalarType.Float64), Scalars.OfInteger(1));
                scored++;
            }
        }

        var mean = (sums / Scalars.Of(scored)).data<double>().ToArray();
        var demand = demands.to(ScalarType.Float64).data<double>().ToArray();

        // Every configuration draws i.i.d. channels: without per-configuration demands one pooled window (all slots of all
        // networks) estimates the expectations of reward (10); the dynamic network's windows are its configurations.
        var windows = _options.Kind == AlcorDnnKind.Dynamic ? EvaluationNetworks : 1;
        if (windows == 1)
        {
            for (var i = 0; i < _n; i++)
            {
                mean[i] = Enumerable.Range(0, EvaluationNetworks).Average(c => mean[(c * _n) + i]);
            }
        }

        double sumRate = 0, reward = 0, violation = 0;
        for (var c = 0; c < windows; c++)
        {
            double worst = 0;
            for (var i = 0; i < _n; i++)
            {
                var r = mean[(c * _n) + i];
                var u = demand[(c * _n) + i];
                sumRate += r;
                reward += r - (_options.Penalty * Math.Max(0, u - r));
                if (u > 0)
                {
                    worst = Math.Max(worst, Math.Max(0, u - r) / u * 100);
                }
            }

            violation += worst;
        }

        return new AlcorDnnMetrics(sumRate / windows, reward / windows, violation / windows);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _optimizer.Dispose();
        _generator.Dispose();
        Model.Dispose();
    }

    /// <summary>Powers [B, N] of a centralized, fixed or dynamic network: Pmax times its output for the users that are on.</summary>
    private Tensor CentralizedPowers(Tensor gains, Tensor on, Tensor demands)
    {
        var batch = gains.shape[0];
        var masked = gains * on.unsqueeze(-1) * on.unsqueeze(-2);
        var input = masked.reshape(batch, _n * _n);
        if (_options.Kind == AlcorDnnKind.Dynamic)
        {
            input = cat([input, demands], 1);
        }

        return Model.forward(input) * on * Scalars.Of(MaxPower);
    }

    /// <summary>Powers [B, N] of the distributed network: each user that is on runs it on its 41 measurements.</summary>
    private Tensor DistributedPowers(Tensor gains, Tensor on, AlcorDnnLocalState[] local)
    {
        var batch = (int)gains.shape[0];
        var g = gains.to(ScalarType.Float64).contiguous().data<double>().ToArray();
        var active = on.contiguous().data<float>().ToArray();
        var features = new List<float>();
        var rows = new List<long>();
        var buffer = new double[AlcorDnnLocalState.Width];
        for (var b = 0; b < batch; b++)
        {
            var channel = g.AsSpan(b * _n * _n, _n * _n);
            AlcorDnnFeatureProbes.BeforeSlot(_options.Probe, local[b], channel);
            for (var i = 0; i < _n; i++)
            {
                if (active[(b * _n) + i] > 0)
                {
                    local[b].Features(channel, Noise, MaxPower, i, buffer);
                    AlcorDnnFeatureProbes.Apply(_options.Probe, local[b], channel, Noise, i, buffer);
                    features.AddRange(buffer.Select(v => (float)v));
                    rows.Add((b * _n) + i);
                }
            }
        }

        var flat = zeros(batch * _n);
        if (rows.Count == 0)
        {
            return flat.reshape(batch, _n);
        }

        var output = Model.forward(tensor(features.ToArray(), [rows.Count, AlcorDnnLocalState.Width])).squeeze(1) * Scalars.Of(MaxPower);
        return flat.scatter(0, tensor(rows.ToArray()), output).reshape(batch, _n);
    }

    private void Record(AlcorDnnLocalState[] local, Tensor gains, Tensor power, Tensor rates, int first)
    {
        var batch = (int)gains.shape[0];
        var g = gains.detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();
        var p = power.detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();
        var r = rates.detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();
        for (var b = 0; b < batch; b++)
        {
            local[first + b].Record(g.AsSpan(b * _n * _n, _n * _n), p.AsSpan(b * _n, _n), r.AsSpan(b * _n, _n));
        }
    }

    /// <summary>Reward (10) per group of the batch, averaged over groups: sum_i mean R_i - L sum_i relu(u_i - mean R_i).</summary>
    private Tensor Reward(Tensor rates, Tensor demands, int groups)
    {
        var batch = rates.shape[0];
        var grouped = rates.reshape(groups, batch / groups, _n).mean([1]);
        var u = demands.reshape(groups, batch / groups, _n).select(1, 0);
        var shortfall = nn.functional.relu(u - grouped).sum(1);
        return (grouped.sum(1) - (Scalars.Of(_options.Penalty) * shortfall)).mean();
    }

    /// <summary>[B, N] on flags of diverse training: per sample kappa from {0.2, 0.5, 1}, each user on with probability kappa.</summary>
    private Tensor DiverseActivity(int batch)
    {
        var choice = randint(0, 3, [batch, 1], generator: _generator);
        var levels = tensor(KappaLevels);
        var kappa = levels.index_select(0, choice.squeeze(1)).unsqueeze(1);
        return rand([batch, _n], generator: _generator).lt(kappa).to(ScalarType.Float32);
    }

    /// <summary>[B, N] demands of the dynamic network: one uniform vector in [0, DemandMax]^N per group, repeated over the group's samples.</summary>
    private Tensor DrawDemands(int batch)
    {
        var groups = _options.DemandGroups;
        var u = rand([groups, 1, _n], generator: _generator) * Scalars.Of(_options.DemandMax);
        return u.expand(groups, batch / groups, _n).reshape(batch, _n);
    }

    /// <summary>The evaluation demands [50, N]: the fixed vector, one fresh vector per configuration for the dynamic network (from the seed's policy stream), or zeros.</summary>
    private Tensor EvaluationDemands(ulong seed)
    {
        var values = new float[EvaluationNetworks * _n];
        var random = SeededRandom.ForStream(seed, RandomStreams.Policy, 7);
        for (var c = 0; c < EvaluationNetworks; c++)
        {
            for (var i = 0; i < _n; i++)
            {
                values[(c * _n) + i] = _options.Kind switch
                {
                    AlcorDnnKind.Fixed => (float)_fixedDemands[i],
                    AlcorDnnKind.Dynamic => (float)random.NextDouble(0, _options.DemandMax),
                    _ => 0,
                };
            }
        }

        return tensor(values, [EvaluationNetworks, _n]);
    }

    /// <summary>[count, N, N] gains of configuration <paramref name="index"/> of <paramref name="seed"/>, <paramref name="count"/> slots.</summary>
    private Tensor Gains(ulong seed, int index, int count)
    {
        var configuration = _scenario.CreateConfiguration(_settings, seed, index);
        var values = new float[count * _n * _n];
        for (var s = 0; s < count; s++)
        {
            configuration.Advance();
            var g = configuration.Gains.Values;
            for (var k = 0; k < g.Length; k++)
            {
                values[(s * _n * _n) + k] = (float)g[k];
            }
        }

        return tensor(values, [count, _n, _n]);
    }

    private static double Score(AlcorDnnOptions options, AlcorDnnMetrics metrics)
        => options.Kind is AlcorDnnKind.Fixed or AlcorDnnKind.Dynamic ? metrics.Reward : metrics.SumRate;

    private static Dictionary<string, object> Metrics(AlcorDnnMetrics metrics, int? epoch)
    {
        var values = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["sumRate"] = metrics.SumRate,
            ["reward"] = metrics.Reward,
            ["violationPct"] = metrics.ViolationPct,
        };
        if (epoch is { } e)
        {
            values["bestEpoch"] = e;
        }

        return values;
    }

    /// <summary>The optimizer steps an artifact was trained for (its manifest's <c>training.steps</c>; 0 when it does not say).</summary>
    public static int InitialSteps(PolicyArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return artifact.Manifest.Training?.Other.TryGetValue("steps", out var steps) == true && steps.ValueKind == JsonValueKind.Number && steps.TryGetInt32(out var value) && value >= 0 ? value : 0;
    }

    private static Dictionary<string, JsonElement> Fields(AlcorDnnOptions options, int steps, double wallSeconds)
    {
        var fields = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["seed"] = options.Seed,
            ["seeds"] = new Dictionary<string, ulong>(StringComparer.Ordinal) { ["train"] = options.TrainSeed, ["validation"] = options.ValidationSeed, ["test"] = options.TestSeed },
            ["epochs"] = options.Epochs,
            ["stepsPerEpoch"] = options.StepsPerEpoch,
            ["steps"] = steps,
            ["batch"] = options.Batch,
            ["optimizer"] = "adam",
            ["learningRate"] = options.LearningRate,
            ["diverse"] = options.Diverse,
            ["penalty"] = options.Penalty,
            ["evaluationSamples"] = options.EvaluationSamples,
            ["threads"] = options.Threads,
            ["wallSeconds"] = Math.Round(wallSeconds, 1),
        };
        if (options.Kind == AlcorDnnKind.Fixed)
        {
            fields["demands"] = options.DemandVector;
        }

        if (options.Kind == AlcorDnnKind.Dynamic)
        {
            fields["demandMax"] = options.DemandMax;
            fields["demandGroups"] = options.DemandGroups;
        }

        if (options.InitialArtifact is { } initial)
        {
            var earlier = initial.Manifest.Training?.Other;
            fields["initFrom"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["name"] = initial.Manifest.Name,
                ["steps"] = InitialSteps(initial),
                ["wallSeconds"] = earlier is not null && earlier.TryGetValue("wallSeconds", out var seconds) && seconds.ValueKind == JsonValueKind.Number ? seconds.GetDouble() : null,
                ["command"] = earlier is not null && earlier.TryGetValue("command", out var command) && command.ValueKind == JsonValueKind.String ? command.GetString() : null,
            };
        }

        if (options.Probe != AlcorDnnFeatureProbe.None)
        {
            fields["probe"] = AlcorDnnFeatureProbes.Text(options.Probe);
        }

        if (options.Command is not null)
        {
            fields["command"] = options.Command;
        }

        return fields.ToDictionary(kv => kv.Key, kv => JsonSerializer.SerializeToElement(kv.Value), StringComparer.Ordinal);
    }

    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);
}
