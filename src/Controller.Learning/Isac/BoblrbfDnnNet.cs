using Controller.Learning.Models;
using Controller.Policies.ArtifactFormat;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Controller.Learning.Isac;

/// <summary>
/// Paper 002's BOBLRBF-DNN (Fig. 2, eq. 26) as a TorchSharp module: Y unrolled BOBLRBF iterations
/// <c>x^{y+1} = Proj(x^y + eta^y W^y(w^y; x^y))</c>, each with its own MLP block W^y and step eta^y. W^y replaces the
/// common-descent direction of problem (22): from per-coordinate features of the iterate (its value, the gradients of
/// both objectives at the lower level's errors phi(x), the preference weights, the sensing flag and the base station's
/// power share) it gives the direction's coordinate as a learned correction of the preference-weighted normalised
/// gradient, <c>d_i = -(w1 g1_i + w2 g2_i) + MLP_y(features_i)</c>. The MLP is shared by the coordinates of a layer, so
/// one set of weights runs at any number of users, antennas or base stations.
/// </summary>
/// <remarks>
/// Runs in float64 (the CRLB's Fisher matrix spans ten orders of magnitude). The gradient features are computed on a
/// detached copy of the iterate and enter as constants (as learned optimisers drop second derivatives); the loss
/// gradient flows through the iterate, the projection and the MLPs. Parameter names are the artifact's
/// (<see cref="BoblrbfDnnHyperparameters"/>).
/// </remarks>
public sealed class BoblrbfDnnNet : nn.Module
{
    private readonly ModuleList<Block> _layers = new();

    /// <summary>
    /// Creates the network: PyTorch's uniform initialisation for the hidden layers, the output layer at 0 (so the
    /// untrained network is projected normalised-gradient descent on the weighted objectives) and every step at
    /// <paramref name="initialStep"/>.
    /// </summary>
    public BoblrbfDnnNet(BoblrbfDnnHyperparameters hyperparameters, int lowerLevelSteps = 1, double initialStep = 0.02)
        : base("boblrbf-dnn")
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lowerLevelSteps);
        Hyperparameters = hyperparameters;
        LowerLevelSteps = lowerLevelSteps;
        for (var y = 0; y < hyperparameters.Layers; y++)
        {
            _layers.Add(new Block(hyperparameters.Features, hyperparameters.Hidden, initialStep));
        }

        register_module("layers", _layers);
    }

    /// <summary>Y, width and features.</summary>
    public BoblrbfDnnHyperparameters Hyperparameters { get; }

    /// <summary>K_GD: lower-level steps giving phi(x) (the errors at which f1 and its gradient are taken).</summary>
    public int LowerLevelSteps { get; }

    /// <summary>
    /// Runs the first <paramref name="layers"/> (default all) unrolled iterations from <paramref name="start"/> [B, D] with
    /// preference weights <paramref name="preferences"/> [B, 2] (weights of f1 and f2); <paramref name="observe"/>, when
    /// given, sees the iterate after each layer (detached). Returns the last iterate [B, D].
    /// </summary>
    public Tensor Forward(IsacTorchObjectives objectives, Tensor start, Tensor preferences, int? layers = null, Action<int, Tensor>? observe = null)
    {
        ArgumentNullException.ThrowIfNull(objectives);
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(preferences);
        var count = layers ?? Hyperparameters.Layers;
        if (count < 0 || count > Hyperparameters.Layers)
        {
            throw new ArgumentOutOfRangeException(nameof(layers), count, $"the network has {Hyperparameters.Layers} layers");
        }

        using var scope = NewDisposeScope();
        var x = objectives.Project(start);
        var w1 = preferences.narrow(1, 0, 1);
        var w2 = preferences.narrow(1, 1, 1);
        for (var y = 0; y < count; y++)
        {
            var (features, g1, g2) = Features(objectives, x, preferences);
            var block = _layers[y];
            var correction = block.Correction(features);
            var direction = correction - (w1 * g1).Plus(w2 * g2);
            x = objectives.Project(x.Plus(direction * block.LogStep.exp()));
            observe?.Invoke(y + 1, x.detach());
        }

        return x.MoveToOuterDisposeScope();
    }

    /// <summary>The loss (27) without penalties: mean over the batch of w1 f1 + w2 f2 at the iterate, f1 at phi(x) (detached, Danskin).</summary>
    public Tensor Loss(IsacTorchObjectives objectives, Tensor x, Tensor preferences)
    {
        ArgumentNullException.ThrowIfNull(objectives);
        ArgumentNullException.ThrowIfNull(preferences);
        using var scope = NewDisposeScope();
        var (f1, f2) = objectives.Objectives(x, objectives.LowerLevel(x, LowerLevelSteps));
        var weighted = (preferences.select(1, 0) * f1).Plus(preferences.select(1, 1) * f2);
        return weighted.mean().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Features [B, D, 7] of every coordinate (see <see cref="IsacIterateInputs"/>) and the normalised gradients g1, g2
    /// [B, D] (constants: computed on a detached copy).
    /// </summary>
    internal (Tensor Features, Tensor G1, Tensor G2) Features(IsacTorchObjectives objectives, Tensor x, Tensor preferences)
    {
        using var scope = NewDisposeScope();
        Tensor g1;
        Tensor g2;
        using (enable_grad())
        {
            var design = x.detach().requires_grad_(true);
            var (f1, f2) = objectives.Objectives(design, objectives.LowerLevel(design, LowerLevelSteps));
            g1 = autograd.grad([f1.sum()], [design], retain_graph: true)[0];
            g2 = autograd.grad([f2.sum()], [design])[0];
        }

        g1 = Normalise(g1.detach());
        g2 = Normalise(g2.detach());
        var (b, d) = (objectives.B, objectives.DesignLength);
        var perBlock = objectives.C * objectives.N * 2;
        var radius = objectives.BlockRadius.repeat_interleave(perBlock, 1);
        var power = objectives.PowerShare(x).repeat_interleave(perBlock, 1);
        var sensing = objectives.SensingColumn.repeat_interleave(objectives.N * 2).repeat(objectives.L).unsqueeze(0).expand(b, d);
        var features = stack(
            [
                x / radius,
                g1,
                g2,
                preferences.narrow(1, 0, 1).expand(b, d),
                preferences.narrow(1, 1, 1).expand(b, d),
                sensing,
                power,
            ],
            2);
        return (features.MoveToOuterDisposeScope(), g1.MoveToOuterDisposeScope(), g2.MoveToOuterDisposeScope());
    }

    /// <summary>Each row divided by its root mean square (rows of zeros stay zero).</summary>
    private static Tensor Normalise(Tensor gradient)
    {
        var rms = gradient.square().mean([1], keepdim: true).sqrt();
        return gradient / rms.clamp_min(Scalars.Of(1e-300));
    }

    /// <summary>One unrolled layer: W^y (two tanh layers and a linear output per coordinate) and its step log eta^y.</summary>
    private sealed class Block : nn.Module
    {
        private readonly Linear _fc1;
        private readonly Linear _fc2;
        private readonly Linear _out;

        public Block(int features, int hidden, double initialStep)
            : base("layer")
        {
            _fc1 = nn.Linear(features, hidden, dtype: ScalarType.Float64);
            _fc2 = nn.Linear(hidden, hidden, dtype: ScalarType.Float64);
            _out = nn.Linear(hidden, 1, dtype: ScalarType.Float64);
            using (no_grad())
            {
                _out.weight!.zero_();
                _out.bias!.zero_();
            }

            register_module("fc1", _fc1);
            register_module("fc2", _fc2);
            register_module("out", _out);
            register_parameter("logStep", nn.Parameter(full(1, Scalars.Of(Math.Log(initialStep)), dtype: ScalarType.Float64)));
        }

        // Looked up by name at every use: Module.to(...) replaces the registered parameters.
        public Parameter LogStep => get_parameter("logStep")!;

        public Tensor Correction(Tensor features)
        {
            using var scope = NewDisposeScope();
            var hidden = _fc1.forward(features).tanh();
            hidden = _fc2.forward(hidden).tanh();
            return _out.forward(hidden).squeeze(-1).MoveToOuterDisposeScope();
        }
    }
}
