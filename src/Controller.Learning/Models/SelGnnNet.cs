using Controller.Learning.Training;
using Controller.Policies.ArtifactFormat;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Controller.Learning.Models;

/// <summary>
/// The selection GNN of paper 004's centralized comparison (its reference [16]; architecture <c>sel-gnn</c>) as a TorchSharp
/// module: per layer one graph filter <c>z = sum_k w_k S^k z + b</c> (k = 0 .. filterLength - 1) on the normalized channel
/// graph <c>S = A / max_i sum_j A_ij</c>, <c>A_ij = sqrt(G_ij)</c>, ReLU between layers, the last layer's output the logit.
/// The input is the node state <c>log2(1 + p0 G_ii / N0) / stateScale</c> of the deciding links (0 for the others).
/// Parameter names are the artifact's (<c>filter.{l}.weight</c> [filterLength], <c>filter.{l}.bias</c> [1]); the managed
/// <see cref="Controller.Policies.Models.SelGnnModel"/> computes the same function in double.
/// </summary>
public sealed class SelGnnNet : OnOffNet
{
    private readonly GraphFilter[] _filters;

    /// <summary>Creates the network with PyTorch-style uniform initialization; <paramref name="stateScale"/> divides the node state.</summary>
    public SelGnnNet(SelGnnHyperparameters hyperparameters, double stateScale)
        : base("sel-gnn")
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        if (!(stateScale > 0) || !double.IsFinite(stateScale))
        {
            throw new ArgumentOutOfRangeException(nameof(stateScale), stateScale, "The state scale must be positive and finite.");
        }

        Hyperparameters = hyperparameters;
        StateScale = stateScale;
        var list = new ModuleList<GraphFilter>();
        _filters = new GraphFilter[hyperparameters.Layers];
        for (var l = 0; l < hyperparameters.Layers; l++)
        {
            _filters[l] = new GraphFilter(hyperparameters.FilterLength);
            list.Add(_filters[l]);
        }

        register_module("filter", list);
    }

    /// <summary>Layers, taps and p0.</summary>
    public SelGnnHyperparameters Hyperparameters { get; }

    /// <summary>The divisor of the node state.</summary>
    public double StateScale { get; }

    /// <inheritdoc />
    public override PolicyHyperparameters ArtifactHyperparameters => Hyperparameters;

    /// <inheritdoc />
    public override void ResetNearIdentity(Generator? generator, double noise = 0.1)
    {
        using var _ = no_grad();
        foreach (var filter in _filters)
        {
            using var w = Scalars.Of(noise) * randn(filter.Weight.shape, generator: generator);
            w[0].PlusInPlace(Scalars.One);
            filter.Weight.copy_(w);
            filter.Bias.fill_(Scalars.Of(0.01));
        }
    }

    /// <summary>
    /// Logits [...] from gains over noise <paramref name="snrGains"/> [..., m, m] (<c>[receiver, transmitter]</c>) and the
    /// deciding flags <paramref name="deciding"/> [..., m].
    /// </summary>
    public Tensor Logits(Tensor snrGains, Tensor deciding)
    {
        ArgumentNullException.ThrowIfNull(snrGains);
        ArgumentNullException.ThrowIfNull(deciding);
        var m = snrGains.shape[^1];
        if (snrGains.dim() < 2 || snrGains.shape[^2] != m || deciding.shape[^1] != m || deciding.numel() * m != snrGains.numel())
        {
            throw new ArgumentException($"sel-gnn needs gains [..., m, m] and deciding flags [..., m] of the same batch (got [{string.Join(", ", snrGains.shape)}] and [{string.Join(", ", deciding.shape)}]).");
        }

        using var scope = NewDisposeScope();
        var gains = snrGains.reshape(-1, m, m);
        var amplitude = sqrt(gains);
        var largest = amplitude.sum(-1).amax([-1], keepdim: true);
        var shift = amplitude / where(largest.gt(Scalars.Zero), largest, ones_like(largest)).unsqueeze(-1);
        var state = log2((Scalars.Of(Hyperparameters.P0) * gains.diagonal(0, -2, -1)).Plus(Scalars.One)) / Scalars.Of(StateScale);
        var x = (state * deciding.reshape(-1, m).to(state.dtype)).unsqueeze(-1);
        for (var l = 0; l < _filters.Length; l++)
        {
            var taps = _filters[l].Weight.to(x.dtype);
            var power = x;
            var sum = taps[0] * x;
            for (var k = 1; k < Hyperparameters.FilterLength; k++)
            {
                power = shift.bmm(power);
                sum = sum.Plus(taps[k] * power);
            }

            x = sum.Plus(_filters[l].Bias.to(x.dtype));
            if (l < _filters.Length - 1)
            {
                x = nn.functional.relu(x);
            }
        }

        return x.squeeze(-1).reshape(deciding.shape).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor Logits(AggData data, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(index);
        using var scope = NewDisposeScope();
        return Logits(data.SnrGains.index_select(0, index), data.Deciding.index_select(0, index)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor Logits(AggData data, long start, long length)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Logits(data.SnrGains.narrow(0, start, length), data.Deciding.narrow(0, start, length));
    }

    /// <summary>The mean node state <c>log2(1 + p0 G_ii / N0)</c> over the deciding links of <paramref name="data"/> (1 when there are none), rounded to float32.</summary>
    public static double MeanState(AggData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var scope = NewDisposeScope();
        var state = log2((Scalars.Of(data.P0) * data.SnrGains.diagonal(0, -2, -1).to(ScalarType.Float64)).Plus(Scalars.One));
        var mask = data.Deciding.to(ScalarType.Float64);
        var count = mask.sum().item<double>();
        var mean = count > 0 ? (state * mask).sum().item<double>() / count : 1;
        return mean > 0 ? (float)mean : 1;
    }

    /// <summary>One layer's graph filter: taps [filterLength] and a bias [1], initialized uniform in +-1/sqrt(filterLength).</summary>
    private sealed class GraphFilter : nn.Module
    {
        public GraphFilter(int taps)
            : base("filter")
        {
            var bound = 1 / Math.Sqrt(taps);
            using var weight = (rand(taps) * Scalars.Of(2 * bound)) - Scalars.Of(bound);
            using var bias = (rand(1) * Scalars.Of(2 * bound)) - Scalars.Of(bound);
            register_parameter("weight", nn.Parameter(weight.detach().clone()));
            register_parameter("bias", nn.Parameter(bias.detach().clone()));
        }

        // Looked up by name at every use: Module.to(...) replaces the registered parameters, not a copy kept in a field.
        public Parameter Weight => get_parameter("weight")!;

        public Parameter Bias => get_parameter("bias")!;
    }
}
