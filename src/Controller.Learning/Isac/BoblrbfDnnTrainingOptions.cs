using System.Globalization;
using Controller.Radio.Scenarios;

namespace Controller.Learning.Isac;

/// <summary>Settings of <see cref="BoblrbfDnnTrainer"/> (<c>controller train boblrbf-dnn</c>); the defaults trained the committed artifact.</summary>
public sealed record BoblrbfDnnTrainingOptions
{
    /// <summary>The scenario the instances come from.</summary>
    public const string ScenarioName = "isac";

    /// <summary>Artifact name (default <c>boblrbf-dnn-y{Layers}</c>).</summary>
    public string? Name { get; init; }

    /// <summary>Seed of the initial weights and the order of the instances.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Passes over the training instances.</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>Y, unrolled BOBLRBF iterations (layers).</summary>
    public int Layers { get; init; } = 20;

    /// <summary>Width of the two hidden layers of each MLP block W^y.</summary>
    public int Hidden { get; init; } = 16;

    /// <summary>Instances per optimizer step (each with all <see cref="Preferences"/> preference vectors).</summary>
    public int Batch { get; init; } = 8;

    /// <summary>K, preference vectors per instance (as BOBLRBF's subproblems).</summary>
    public int Preferences { get; init; } = 8;

    /// <summary>Adam's step size.</summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>eta^y of the untrained network (every layer).</summary>
    public double InitialStep { get; init; } = 0.02;

    /// <summary>K_GD: lower-level steps giving phi(gamma).</summary>
    public int LowerLevelSteps { get; init; } = 1;

    /// <summary>Training instances: configurations 0..n-1 of <see cref="TrainSeed"/>.</summary>
    public int TrainInstances { get; init; } = 64;

    /// <summary>Validation instances: configurations 0..n-1 of <see cref="ValidationSeed"/> (the best epoch is chosen on these).</summary>
    public int ValidationInstances { get; init; } = 16;

    /// <summary>Scenario seed of the training instances.</summary>
    public ulong TrainSeed { get; init; } = 11;

    /// <summary>Scenario seed of the validation instances.</summary>
    public ulong ValidationSeed { get; init; } = 12;

    /// <summary>Settings of the <c>isac</c> scenario on top of the paper's defaults (e.g. <c>users=2</c>); <c>eps</c> is the error bound trained for.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Settings { get; init; } = [];

    /// <summary>libtorch threads.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>The command that reproduces the run (manifest <c>training.command</c>).</summary>
    public string Command { get; init; } = "in process";

    /// <summary>Git commit of the training code.</summary>
    public string CodeVersion { get; init; } = "unknown";

    /// <summary>The artifact's name.</summary>
    public string ArtifactName => Name ?? string.Create(CultureInfo.InvariantCulture, $"boblrbf-dnn-y{Layers}");

    /// <summary>The resolved scenario settings (throws <see cref="Controller.Radio.RadioInputException"/> naming a bad one).</summary>
    public ScenarioSettings ScenarioSettings() => new IsacScenario().Resolve(Settings);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        Require(Epochs >= 1, "--epochs", "must be at least 1");
        Require(Layers is >= 1 and <= 1024, "--layers", "must lie in [1, 1024]");
        Require(Hidden is >= 1 and <= 4096, "--hidden", "must lie in [1, 4096]");
        Require(Batch >= 1, "--batch", "must be at least 1");
        Require(Preferences is >= 1 and <= 256, "--preferences", "must lie in [1, 256]");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), "--lr", "must be positive");
        Require(InitialStep > 0 && double.IsFinite(InitialStep), "--initial-step", "must be positive");
        Require(LowerLevelSteps is >= 1 and <= 100, "--lower-level-steps", "must lie in [1, 100]");
        Require(TrainInstances >= 1, "--train-instances", "must be at least 1");
        Require(ValidationInstances >= 1, "--val-instances", "must be at least 1");
        Require(Threads >= 1, "--threads", "must be at least 1");
        Require(TrainSeed != ValidationSeed, "--val-seed", "must differ from --train-seed");
    }

    private static void Require(bool condition, string option, string problem)
    {
        if (!condition)
        {
            throw new ArgumentException($"{option} {problem}.", option);
        }
    }
}
