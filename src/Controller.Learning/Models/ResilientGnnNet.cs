using Controller.Policies.ArtifactFormat;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Controller.Learning.Models;

/// <summary>
/// Paper 003's GNN (architecture <c>resilient-gnn</c> of src/Controller.Policies/ARTIFACT_FORMAT.md) as a TorchSharp
/// module, the one definition that training and the inference silo's torchsharp backend share. Parameter names are the
/// artifact's tensor names (<c>layers.{l}.w1.weight</c>, <c>power.bias</c>, ...), so an artifact loads and saves
/// without renaming. Works on dense batched tensors: a user graph of n nodes is an n x n matrix
/// <c>W[v, u] = w_uv</c> (0 where there is no edge), which on a CPU is faster than scattering over edge lists.
/// </summary>
public sealed class ResilientGnnNet : nn.Module
{
    // A large finite floor instead of -inf keeps logsumexp's gradient finite for cells without an active user.
    private const double Floor = -1e30;
    private readonly LeConv[] _layers;
    private readonly Linear _power;
    private readonly Linear _selection;

    /// <summary>Creates the network with PyTorch's default initialization (from torch's global generator).</summary>
    public ResilientGnnNet(ResilientGnnHyperparameters hyperparameters)
        : base("resilient-gnn")
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        Hyperparameters = hyperparameters;
        var layers = new ModuleList<LeConv>();
        _layers = new LeConv[hyperparameters.Layers];
        for (var l = 0; l < hyperparameters.Layers; l++)
        {
            _layers[l] = new LeConv(hyperparameters.InputWidth(l), hyperparameters.Hidden);
            layers.Add(_layers[l]);
        }

        _power = nn.Linear(hyperparameters.Hidden, 1);
        _selection = nn.Linear(hyperparameters.Hidden, 1);
        register_module("layers", layers);
        register_module("power", _power);
        register_module("selection", _selection);
    }

    /// <summary>Layers, width, slope and temperature.</summary>
    public ResilientGnnHyperparameters Hyperparameters { get; }

    /// <summary>The power head's bias (the logit of p / Pmax before the embedding's contribution).</summary>
    public Parameter PowerBias => _power.bias!;

    /// <summary>The last layer's node embeddings s_v: features [B, n], weights [B, n, n] -> [B, n, hidden].</summary>
    public Tensor Embed(Tensor features, Tensor weights)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        // Scalars are made explicitly and kept alive here: an implicit double -> Scalar conversion is freed by its
        // finalizer, which can run while libtorch still reads it (seen: leaky_relu failing in toFloat under load).
        using var slope = Hyperparameters.LeakySlope.ToScalar();
        var y = features.unsqueeze(-1);
        foreach (var layer in _layers)
        {
            y = layer.Forward(y, weights).leaky_relu(slope);
        }

        return y.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The two heads. features [B, n]; weights [B, n, n]; cells [B, n, m] one-hot (user v in cell i); active [B, n]
    /// bool; maxPower [B, 1] or a scalar. Returns power [B, m] (0 for cells without an active user) and log pi [B, n]
    /// (the log of the selection softmax over each cell's active users; -inf for inactive users).
    /// </summary>
    public (Tensor Power, Tensor LogPi) Forward(Tensor features, Tensor weights, Tensor cells, Tensor active, Tensor maxPower)
    {
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(active);
        using var scope = NewDisposeScope();
        using var one = 1.0.ToScalar();
        using var zero = 0.0.ToScalar();
        using var temperature = Hyperparameters.SelectionTemperature.ToScalar();
        var s = Embed(features, weights);
        var members = cells.sum(1);
        var mean = bmm(cells.transpose(1, 2), s) / members.clamp_min(one).unsqueeze(-1);
        var power = maxPower * sigmoid(_power.forward(mean).squeeze(-1));
        var hasActive = bmm(active.to(cells.dtype).unsqueeze(1), cells).squeeze(1).gt(zero);
        power = where(hasActive, power, zeros_like(power));
        var logits = _selection.forward(s).squeeze(-1).div(temperature);
        var logPi = CellLogSoftmax(logits, cells, active);
        return (power.MoveToOuterDisposeScope(), logPi.MoveToOuterDisposeScope());
    }

    /// <summary>log of the softmax of <paramref name="logits"/> [B, n] over the active users of each user's cell; -inf for inactive users.</summary>
    public static Tensor CellLogSoftmax(Tensor logits, Tensor cells, Tensor active)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(active);
        using var scope = NewDisposeScope();
        using var floor = Floor.ToScalar();
        using var minusInfinity = double.NegativeInfinity.ToScalar();
        var eligible = cells.to(ScalarType.Bool).logical_and(active.unsqueeze(-1));
        var masked = where(eligible, logits.unsqueeze(-1), full_like(cells, floor));
        var normalizer = masked.logsumexp(1, false);
        var userNormalizer = bmm(cells, normalizer.unsqueeze(-1)).squeeze(-1);
        var result = where(active, logits - userNormalizer, full_like(logits, minusInfinity));
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Local-extremum convolution without the non-linearity: <c>W1 y_v + b1 + sum_{u -> v} w_uv (W2 y_v - W3 y_u)</c>.</summary>
    private sealed class LeConv : nn.Module
    {
        private readonly Linear _w1;
        private readonly Linear _w2;
        private readonly Linear _w3;

        public LeConv(int inputs, int outputs)
            : base("leconv")
        {
            _w1 = nn.Linear(inputs, outputs);
            _w2 = nn.Linear(inputs, outputs, hasBias: false);
            _w3 = nn.Linear(inputs, outputs, hasBias: false);
            register_module("w1", _w1);
            register_module("w2", _w2);
            register_module("w3", _w3);
        }

        public Tensor Forward(Tensor y, Tensor weights)
        {
            using var scope = NewDisposeScope();
            var inWeight = weights.sum(-1, keepdim: true);
            var result = _w1.forward(y).Plus(inWeight * _w2.forward(y)) - bmm(weights, _w3.forward(y));
            return result.MoveToOuterDisposeScope();
        }
    }
}
