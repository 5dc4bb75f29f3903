using System.Globalization;

namespace Controller.Learning.Training;

/// <summary>
/// The arguments of <see cref="AggTrainer"/>, with the defaults of the Python trainer <c>training.train_agg</c> (same names
/// in PascalCase). The data come from the controller in process, so the export's file, directory and controller options
/// have no counterpart.
/// </summary>
public sealed record AggTrainingOptions
{
    /// <summary>The default baselines scored on the test set (<c>{K}</c> = hops).</summary>
    public const string DefaultBaselines = "equal-power,random-full-power,wmmse:{K},wmmse-budget:{K},full-reuse";

    /// <summary>Artifact name (default <c>agg-gnn-m&lt;pairs&gt;</c>).</summary>
    public string? Name { get; init; }

    /// <summary>
    /// The policy trained: <c>agg-gnn</c> (paper 004's decentralized Agg-GNN, the default) or <c>sel-gnn</c> (the
    /// centralized selection GNN it is compared with); both by the same model-free primal-dual algorithm.
    /// </summary>
    public string Architecture { get; init; } = Controller.Policies.ArtifactFormat.AggGnnHyperparameters.Name;

    /// <summary>
    /// The scenario's <c>network</c> setting: 0 draws a new random network per configuration; N &gt;= 1 trains, validates and
    /// tests on the one network N with only the fading drawn anew (paper 004 Sec. VI-C).
    /// </summary>
    public int Network { get; init; }

    /// <summary>Training seed: initial weights, batch order and Bernoulli draws.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Passes over the training configurations.</summary>
    public int Epochs { get; init; } = 2000;

    /// <summary>Episodes (configurations, all their training slots) per iteration.</summary>
    public int Batch { get; init; } = 64;

    /// <summary>Adam learning rate (the spec's 1e-2 saturates q at 1 within a few iterations, before the dual reacts).</summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Halves the learning rate every this many epochs (0: constant).</summary>
    public int LearningRateHalveEvery { get; init; }

    /// <summary>eps_mu, the dual step (power in units of p0, so mu is in bps/Hz per transmitter).</summary>
    public double DualStep { get; init; } = 1e-2;

    /// <summary>Trains against (1 - margin) x the power budget, so that the average stays under it on unseen configurations.</summary>
    public double BudgetMargin { get; init; } = 0.05;

    /// <summary>Model selection only among epochs whose validation mean power is within this fraction of the budget.</summary>
    public double SelectPower { get; init; } = 0.98;

    /// <summary>Decay d of the moving-average baseline kept per training slot.</summary>
    public double BaselineDecay { get; init; } = 0.9;

    /// <summary>m, the number of transmitter-receiver pairs (scenario setting <c>pairs</c>).</summary>
    public int Pairs { get; init; } = 25;

    /// <summary>Fading innovation factor (scenario setting <c>delta</c>).</summary>
    public double Delta { get; init; } = 0.3;

    /// <summary>K (scenario setting <c>hops</c>); null: the scenario's default, 5.</summary>
    public int? Hops { get; init; }

    /// <summary>Probability that a pair is awake in a slot (scenario setting <c>awake</c>; below 1: paper 004's asynchronous setting).</summary>
    public double Awake { get; init; } = 1.0;

    /// <summary>eta0 (scenario setting <c>edgeThreshold</c>); null: 0.</summary>
    public double? EdgeThreshold { get; init; }

    /// <summary>Slots per training configuration.</summary>
    public int TrainSlots { get; init; } = 50;

    /// <summary>Slots per validation and test configuration (eval's default).</summary>
    public int Slots { get; init; } = 100;

    /// <summary>Seed of the training configurations.</summary>
    public ulong TrainSeed { get; init; } = 11;

    /// <summary>Seed of the validation configurations.</summary>
    public ulong ValidationSeed { get; init; } = 12;

    /// <summary>Seed of the test configurations.</summary>
    public ulong TestSeed { get; init; } = 13;

    /// <summary>Training configurations.</summary>
    public int TrainConfigurations { get; init; } = 256;

    /// <summary>Validation configurations.</summary>
    public int ValidationConfigurations { get; init; } = 64;

    /// <summary>Test configurations (0: no test evaluation).</summary>
    public int TestConfigurations { get; init; } = 128;

    /// <summary>Controller policies evaluated on the test seed, comma-separated (<c>{K}</c> = hops; empty for none).</summary>
    public string Baselines { get; init; } = DefaultBaselines;

    /// <summary>libtorch threads (<c>torch.set_num_threads</c>) and threads drawing the data.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>The command that reproduces the run, recorded as <c>training.command</c>.</summary>
    public string Command { get; init; } = string.Empty;

    /// <summary>The training code's version (git commit), recorded as <c>codeVersion</c>.</summary>
    public string CodeVersion { get; init; } = "unknown";

    /// <summary>The artifact name actually used.</summary>
    public string ArtifactName => Name ?? string.Create(CultureInfo.InvariantCulture, $"{Architecture}-m{Pairs}{(Network > 0 ? $"-net{Network}" : string.Empty)}");

    /// <summary>The scenario settings the data are drawn with, as the Python trainer's <c>settings_of</c> (<c>awake</c> only when below 1).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ScenarioSettings()
    {
        var settings = new List<KeyValuePair<string, string>>
        {
            new("pairs", Pairs.ToString(CultureInfo.InvariantCulture)),
            new("delta", Delta.ToString("R", CultureInfo.InvariantCulture)),
            new("hops", (Hops ?? 5).ToString(CultureInfo.InvariantCulture)),
            new("edgeThreshold", (EdgeThreshold ?? 0).ToString("R", CultureInfo.InvariantCulture)),
        };
        if (Awake < 1)
        {
            settings.Add(new("awake", Awake.ToString("R", CultureInfo.InvariantCulture)));
        }

        if (Network > 0)
        {
            settings.Add(new("network", Network.ToString(CultureInfo.InvariantCulture)));
        }

        return settings;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        Require(Epochs >= 1, nameof(Epochs), "must be at least 1");
        Require(Batch >= 1, nameof(Batch), "must be at least 1");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), "must be positive");
        Require(LearningRateHalveEvery >= 0, nameof(LearningRateHalveEvery), "must not be negative");
        Require(DualStep >= 0 && double.IsFinite(DualStep), nameof(DualStep), "must not be negative");
        Require(BudgetMargin is >= 0 and < 1, nameof(BudgetMargin), "must lie in [0, 1)");
        Require(SelectPower > 0 && double.IsFinite(SelectPower), nameof(SelectPower), "must be positive");
        Require(BaselineDecay is >= 0 and <= 1, nameof(BaselineDecay), "must lie in [0, 1]");
        Require(TrainSlots >= 1 && Slots >= 1, nameof(Slots), "slots must be at least 1");
        Require(TrainConfigurations >= 1 && ValidationConfigurations >= 1 && TestConfigurations >= 0, nameof(TrainConfigurations), "needs at least one training and one validation configuration");
        Require(Threads >= 1, nameof(Threads), "must be at least 1");
        Require(Network >= 0, nameof(Network), "must not be negative");
        Require(
            Architecture is Controller.Policies.ArtifactFormat.AggGnnHyperparameters.Name or Controller.Policies.ArtifactFormat.SelGnnHyperparameters.Name,
            nameof(Architecture),
            "must be agg-gnn or sel-gnn");
    }

    private static void Require(bool condition, string option, string problem)
    {
        if (!condition)
        {
            throw new ArgumentException($"Option {option} {problem}.", option);
        }
    }
}
