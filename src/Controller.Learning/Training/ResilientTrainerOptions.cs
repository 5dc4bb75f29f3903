using Controller.Radio.Policies;

namespace Controller.Learning.Training;

/// <summary>The utility U(x) whose marginal weighs each user's rate.</summary>
public enum ResilientUtility
{
    /// <summary>Alpha-fair (1 = proportional fair): lambda_j(t) = max(fbar_j(t), floor)^-alpha + mu_j (the default).</summary>
    Pf,

    /// <summary>Sum of rates (paper 003): lambda = 1 + mu.</summary>
    Sum,
}

/// <summary>
/// Options of <see cref="ResilientTrainer"/>, one per argument of the former Python train_resilient.py (commit 9b6a26f) with the same defaults
/// (the Python trainer's <c>--workers</c>, <c>--*-file</c>, <c>--data-dir</c> and <c>--controller</c> have no
/// counterpart: data is drawn in process and one process trains).
/// </summary>
public sealed record ResilientTrainerOptions
{
    /// <summary>Artifact name (default <c>resilient-gnn-m&lt;aps&gt;-n&lt;users&gt;[-fmin&lt;X&gt;][-mu0]</c>).</summary>
    public string? Name { get; init; }

    /// <summary>Training seed (weights, shuffling, sampling).</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Epochs.</summary>
    public int Epochs { get; init; } = 60;

    /// <summary>Configurations per step (paper: 64).</summary>
    public int Batch { get; init; } = 32;

    /// <summary>Adam learning rate of the GNN.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>eta_z = eta_mu per batch.</summary>
    public double DualStep { get; init; } = 0.05;

    /// <summary>Halve all steps every N epochs (0: epochs / 4, at least 1).</summary>
    public int HalveEvery { get; init; }

    /// <summary>Slack cost alpha.</summary>
    public double Alpha { get; init; } = 1e-2;

    /// <summary>Decay d of the REINFORCE moving-average baseline.</summary>
    public double BaselineDecay { get; init; } = 0.9;

    /// <summary>No minimum-rate constraint (mu = 0).</summary>
    public bool MuZero { get; init; }

    /// <summary>The utility (default alpha-fair).</summary>
    public ResilientUtility Utility { get; init; } = ResilientUtility.Pf;

    /// <summary>The training trajectory and power objective (default sampled).</summary>
    public ResilientFollow Follow { get; init; } = ResilientFollow.Sampled;

    /// <summary>Utility pf: 1/fbar uses max(fbar, floor).</summary>
    public double PfFloor { get; init; } = 0.05;

    /// <summary>Utility pf: alpha of the alpha-fair utility (1 = proportional fair).</summary>
    public double Fairness { get; init; } = 1.0;

    /// <summary>Initial power.bias (logit of p / Pmax; 3 starts near full reuse).</summary>
    public double PowerInit { get; init; } = 3.0;

    /// <summary>Per-user minimum rate (bps/Hz); null: the scenario's (1).</summary>
    public double? Fmin { get; init; }

    /// <summary>Unscored warm-up slots per configuration; null: the scenario's (100). Not a Python option: lets tests run short configurations.</summary>
    public int? Warmup { get; init; }

    /// <summary>APs m.</summary>
    public int Aps { get; init; } = 4;

    /// <summary>Users n.</summary>
    public int Users { get; init; } = 40;

    /// <summary>Slots per configuration, warm-up included.</summary>
    public int Slots { get; init; } = 200;

    /// <summary>Seed of the training configurations.</summary>
    public ulong TrainSeed { get; init; } = 11;

    /// <summary>Seed of the validation configurations.</summary>
    public ulong ValidationSeed { get; init; } = 12;

    /// <summary>Seed of the test configurations.</summary>
    public ulong TestSeed { get; init; } = 13;

    /// <summary>Training configurations.</summary>
    public int TrainConfigs { get; init; } = 256;

    /// <summary>Validation configurations.</summary>
    public int ValidationConfigs { get; init; } = 128;

    /// <summary>Test configurations (0: no test evaluation).</summary>
    public int TestConfigs { get; init; } = 128;

    /// <summary>Controller policies evaluated on the test seed (empty for none).</summary>
    public IReadOnlyList<string> Baselines { get; init; } = ["full-reuse", "wmmse", "itlinq"];

    /// <summary>Where baseline names are resolved (null: the controller's baselines and wrappers, as <c>controller eval</c>).</summary>
    public IPolicyProvider? Policies { get; init; }

    /// <summary>Torch threads (a run is reproducible for a fixed count); also the threads that draw the data.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>The command line that started the training, recorded as the manifest's <c>training.command</c>.</summary>
    public string Command { get; init; } = string.Empty;

    /// <summary>The code version recorded in the manifest (a git commit), or <c>unknown</c>.</summary>
    public string CodeVersion { get; init; } = "unknown";

    /// <summary>The artifact name these options give.</summary>
    public string ArtifactName => Name ?? $"resilient-gnn-m{Aps}-n{Users}" + (Fmin is { } f ? "-fmin" + ResilientData.FormatG(f) : string.Empty) + (MuZero ? "-mu0" : string.Empty);

    /// <summary>Throws <see cref="ArgumentException"/> for options the trainer cannot run.</summary>
    public void Validate()
    {
        Require(Epochs >= 1, "epochs must be at least 1");
        Require(Batch >= 1, "batch must be at least 1");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), "the learning rate must be positive");
        Require(DualStep >= 0 && double.IsFinite(DualStep), "the dual step must not be negative");
        Require(HalveEvery >= 0, "halve-every must not be negative");
        Require(BaselineDecay is >= 0 and <= 1, "the baseline decay must lie in [0, 1]");
        Require(PfFloor > 0, "the pf floor must be positive");
        Require(TrainConfigs >= 1 && ValidationConfigs >= 1 && TestConfigs >= 0, "configuration counts must be positive (test: 0 for none)");
        Require(Threads >= 1, "threads must be at least 1");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"Invalid resilient trainer options: {message}.");
        }
    }
}
