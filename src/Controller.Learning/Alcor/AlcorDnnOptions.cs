using System.Globalization;
using Controller.Policies.ArtifactFormat;

namespace Controller.Learning.Alcor;

/// <summary>
/// The arguments of <see cref="AlcorDnnTrainer"/> (<c>controller train alcor-dnn</c>). Data are the <c>gaussian-ic</c>
/// scenario's (paper 001 Sec. IV-A: i.i.d. CN(0, 1) gains, Pmax = 1, noise 10^(-SNR/10)); training, validation and test
/// draw from three disjoint scenario seeds.
/// </summary>
public sealed record AlcorDnnOptions
{
    /// <summary>The scenario the networks are trained on.</summary>
    public const string ScenarioName = "gaussian-ic";

    /// <summary>Paper 001 eq. (10): the penalty L of a violated demand.</summary>
    public const double DefaultPenalty = 100;

    /// <summary>Which network: centralized, distributed, fixed or dynamic.</summary>
    public AlcorDnnKind Kind { get; init; } = AlcorDnnKind.Centralized;

    /// <summary>Artifact name (default <c>alcor-dnn-&lt;kind&gt;-n&lt;users&gt;</c>).</summary>
    public string? Name { get; init; }

    /// <summary>N, the users (links).</summary>
    public int Users { get; init; } = 20;

    /// <summary>Hidden widths (default: the paper's for the kind: centralized and fixed {400, 200} after the N^2 input, distributed {100, 50}, dynamic {200, 100}).</summary>
    public IReadOnlyList<int>? Hidden { get; init; }

    /// <summary>SNR in dB (Pmax / N0).</summary>
    public double SnrDb { get; init; } = 15;

    /// <summary>
    /// Diverse training (Table I): each sample's kappa drawn from {0.2, 0.5, 1} and each user on with probability kappa;
    /// otherwise (non-diverse, the default) every user is always on.
    /// </summary>
    public bool Diverse { get; init; }

    /// <summary>The fixed DNN's demand vector u^fix (bps/Hz, one per user; a single value for all).</summary>
    public IReadOnlyList<double> Demands { get; init; } = [];

    /// <summary>The dynamic DNN's demands are drawn uniformly in [0, this] per user.</summary>
    public double DemandMax { get; init; } = 5;

    /// <summary>L of eq. (10).</summary>
    public double Penalty { get; init; } = DefaultPenalty;

    /// <summary>Diagnostic change of the distributed network's measurements (none by default); see <see cref="AlcorDnnFeatureProbe"/>.</summary>
    public AlcorDnnFeatureProbe Probe { get; init; }

    /// <summary>
    /// Warm start (<c>--init-from</c>): a loaded artifact of the same kind, N and widths whose weights and statistics
    /// the training starts from, and whose step count it continues (so no training sample is drawn twice). The Adam
    /// moments start afresh. Null (the default): weights from <see cref="Seed"/>.
    /// </summary>
    public PolicyArtifact? InitialArtifact { get; init; }

    /// <summary>Training seed: weights, activity draws, demand draws.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Epochs (each <see cref="StepsPerEpoch"/> optimizer steps, then validation).</summary>
    public int Epochs { get; init; } = 20;

    /// <summary>Optimizer steps per epoch.</summary>
    public int StepsPerEpoch { get; init; } = 100;

    /// <summary>Channel samples per step (the paper: 1000 for reward (10)).</summary>
    public int Batch { get; init; } = 500;

    /// <summary>Dynamic DNN: demand vectors per step (the batch is split among them; the paper changes demands 100x slower than the channel).</summary>
    public int DemandGroups { get; init; } = 5;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Scenario seed of the training samples.</summary>
    public ulong TrainSeed { get; init; } = 11;

    /// <summary>Scenario seed of the validation samples (the best epoch is chosen on these).</summary>
    public ulong ValidationSeed { get; init; } = 12;

    /// <summary>Scenario seed of the test samples (reported only).</summary>
    public ulong TestSeed { get; init; } = 13;

    /// <summary>Validation and test samples (channel draws; the distributed kind runs them as this many slots of 50 networks in sequence).</summary>
    public int EvaluationSamples { get; init; } = 2000;

    /// <summary>Torch threads.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>How this run is reproduced (the manifest's <c>training.command</c>).</summary>
    public string? Command { get; init; }

    /// <summary>The training code's git commit.</summary>
    public string CodeVersion { get; init; } = "unknown";

    /// <summary>The artifact name used.</summary>
    public string ArtifactName => Name ?? string.Create(CultureInfo.InvariantCulture, $"alcor-dnn-{AlcorDnnHyperparameters.KindText(Kind)}-n{Users}");

    /// <summary>The hidden widths used.</summary>
    public IReadOnlyList<int> HiddenWidths => Hidden ?? Kind switch
    {
        AlcorDnnKind.Distributed => [100, 50],
        AlcorDnnKind.Dynamic => [200, 100],
        _ => [400, 200],
    };

    /// <summary>The network's hyperparameters.</summary>
    public AlcorDnnHyperparameters Hyperparameters => new(
        Kind,
        Users,
        [AlcorDnnHyperparameters.InputWidth(Kind, Users), .. HiddenWidths, AlcorDnnHyperparameters.OutputWidth(Kind, Users)],
        1e-5);

    /// <summary>The fixed demands expanded to one per user (empty when none were given).</summary>
    public double[] DemandVector => Demands.Count == 1 ? [.. Enumerable.Repeat(Demands[0], Users)] : [.. Demands];

    /// <summary>Throws <see cref="ArgumentException"/> with one precise sentence for the first bad option.</summary>
    public void Validate()
    {
        Require(Users is >= 2 and <= 64, $"--users must be in [2, 64] (got {Users})");
        Require(HiddenWidths.Count >= 1 && HiddenWidths.All(w => w is >= 1 and <= 4096), "--hidden must list 1 or more widths in [1, 4096]");
        Require(double.IsFinite(SnrDb) && SnrDb is >= -30 and <= 60, $"--snr-db must be in [-30, 60] (got {SnrDb})");
        Require(Epochs is >= 1 and <= 100_000, $"--epochs must be in [1, 100000] (got {Epochs})");
        Require(StepsPerEpoch is >= 1 and <= 100_000, $"--steps must be in [1, 100000] (got {StepsPerEpoch})");
        Require(Batch is >= 2 and <= 100_000, $"--batch must be in [2, 100000] (got {Batch})");
        Require(LearningRate > 0 && double.IsFinite(LearningRate) && LearningRate <= 1, $"--lr must be in (0, 1] (got {LearningRate})");
        Require(Penalty >= 0 && double.IsFinite(Penalty), $"--penalty must be a finite number >= 0 (got {Penalty})");
        Require(EvaluationSamples is >= 10 and <= 1_000_000, $"--eval-samples must be in [10, 1000000] (got {EvaluationSamples})");
        Require(Threads is >= 1 and <= 64, $"--threads must be in [1, 64] (got {Threads})");
        Require(TrainSeed != ValidationSeed && TrainSeed != TestSeed && ValidationSeed != TestSeed, $"--train-seed, --val-seed and --test-seed must differ (got {TrainSeed}, {ValidationSeed}, {TestSeed})");
        Require(Demands.All(d => d >= 0 && double.IsFinite(d) && d <= 100), "--demands must hold rates in [0, 100] bps/Hz");
        if (Kind == AlcorDnnKind.Fixed)
        {
            Require(Demands.Count == 1 || Demands.Count == Users, $"--kind fixed needs --demands with one value or {Users} values (got {Demands.Count})");
        }
        else
        {
            Require(Demands.Count == 0, $"--demands is for --kind fixed only (the {AlcorDnnHyperparameters.KindText(Kind)} network is trained without demands{(Kind == AlcorDnnKind.Dynamic ? "; it draws them in [0, --demand-max]" : string.Empty)})");
        }

        Require(DemandMax > 0 && DemandMax <= 100, $"--demand-max must be in (0, 100] (got {DemandMax})");
        Require(DemandGroups >= 1 && Batch % DemandGroups == 0 && Batch / DemandGroups >= 2, $"--demand-groups must divide --batch into groups of 2 or more samples (got {DemandGroups} for {Batch})");
        Require(!Diverse || Kind is AlcorDnnKind.Centralized or AlcorDnnKind.Distributed, "--diverse is for --kind centralized or distributed");
        Require(Probe == AlcorDnnFeatureProbe.None || Kind == AlcorDnnKind.Distributed, "--probe is for --kind distributed");
        if (InitialArtifact is { } initial)
        {
            var expected = Hyperparameters;
            Require(
                initial.Manifest.Hyperparameters is AlcorDnnHyperparameters h && h.Kind == expected.Kind && h.Users == expected.Users && h.Widths.SequenceEqual(expected.Widths),
                string.Create(CultureInfo.InvariantCulture, $"--init-from: artifact '{initial.Manifest.Name}' is {Describe(initial.Manifest.Hyperparameters)}, but this training is {Describe(expected)}"));
            Require(initial.Manifest.Training?.Other.ContainsKey("probe") != true, $"--init-from: artifact '{initial.Manifest.Name}' was trained with a feature probe (a diagnostic), not a starting point");
        }

        Require(Name is null || Controller.Policies.LearnedPolicies.IsArtifactName(Name), $"--name must be an artifact name (letters, digits, '.', '-', '_'; got '{Name}')");
    }

    private static string Describe(PolicyHyperparameters hyperparameters) => hyperparameters is AlcorDnnHyperparameters h
        ? string.Create(CultureInfo.InvariantCulture, $"{h.KindName} with N = {h.Users} and widths {{{string.Join(", ", h.Widths)}}}")
        : $"a {hyperparameters.Architecture} network";

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message + ".");
        }
    }
}
