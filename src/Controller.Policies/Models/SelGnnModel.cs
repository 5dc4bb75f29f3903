using Controller.Policies.ArtifactFormat;

namespace Controller.Policies.Models;

/// <summary>The selection GNN's weights, read once from a <c>sel-gnn</c> artifact and shared (immutable) by every <see cref="SelGnnModel"/>.</summary>
public sealed class SelGnnWeights
{
    private readonly double[][] _taps;
    private readonly double[] _biases;

    private SelGnnWeights(SelGnnHyperparameters hyperparameters, double stateScale, double[][] taps, double[] biases)
    {
        Hyperparameters = hyperparameters;
        StateScale = stateScale;
        _taps = taps;
        _biases = biases;
    }

    /// <summary>Layers, taps and p0.</summary>
    public SelGnnHyperparameters Hyperparameters { get; }

    /// <summary>The divisor of the node state (the manifest's <c>inputs.stateScale</c>).</summary>
    public double StateScale { get; }

    internal ReadOnlySpan<double> Taps(int layer) => _taps[layer];

    internal double Bias(int layer) => _biases[layer];

    /// <summary>Reads the weights of a loaded <c>sel-gnn</c> artifact.</summary>
    public static SelGnnWeights From(PolicyArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        if (artifact.Manifest.Hyperparameters is not SelGnnHyperparameters hyperparameters || artifact.Manifest.Inputs is not ChannelGraphInputs inputs)
        {
            throw new ArgumentException($"Artifact '{artifact.Manifest.Name}' is {artifact.Manifest.Architecture}, not {SelGnnHyperparameters.Name}.", nameof(artifact));
        }

        var taps = new double[hyperparameters.Layers][];
        var biases = new double[hyperparameters.Layers];
        for (var l = 0; l < hyperparameters.Layers; l++)
        {
            var values = artifact.Tensor($"filter.{l}.weight").Values;
            taps[l] = new double[values.Length];
            for (var k = 0; k < values.Length; k++)
            {
                taps[l][k] = values[k];
            }

            biases[l] = artifact.Tensor($"filter.{l}.bias").Values[0];
        }

        return new SelGnnWeights(hyperparameters, inputs.StateScale, taps, biases);
    }
}

/// <summary>
/// Forward pass of the selection GNN (architecture <c>sel-gnn</c>, src/Controller.Policies/ARTIFACT_FORMAT.md) on one
/// network's current channel, in double: the shift <c>S = A / max_i sum_j A_ij</c> with <c>A_ij = sqrt(G_ij)</c>, the node
/// states of the deciding links, then per layer <c>z = sum_k w_k S^k z + b</c> (ReLU between layers), and q = sigmoid of
/// the last layer per node. Buffers are kept between calls: no allocation per slot once the size is known.
/// </summary>
public sealed class SelGnnModel
{
    private double[] _shift = [];
    private double[] _x = [];
    private double[] _power = [];
    private double[] _next = [];
    private double[] _sum = [];

    /// <summary>Creates a model over shared <paramref name="weights"/>.</summary>
    public SelGnnModel(SelGnnWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        Weights = weights;
    }

    /// <summary>The weights.</summary>
    public SelGnnWeights Weights { get; }

    /// <summary>
    /// q_i for each of the <paramref name="links"/> one-to-one links from the gains <paramref name="gains"/> (row-major
    /// <c>[receiver, transmitter]</c>, <c>links x links</c>), the noise power and the links that decide this slot (the others
    /// contribute no state but stay in the graph).
    /// </summary>
    public void Run(int links, ReadOnlySpan<double> gains, double noise, ReadOnlySpan<bool> deciding, Span<double> probability)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(links, 1);
        if (gains.Length != links * links || deciding.Length < links || probability.Length < links)
        {
            throw new ArgumentException($"{links} links need {links * links} gains and {links} deciding flags and outputs (got {gains.Length}, {deciding.Length}, {probability.Length}).");
        }

        if (!(noise > 0) || !double.IsFinite(noise))
        {
            throw new ArgumentOutOfRangeException(nameof(noise), noise, "The noise power must be positive and finite.");
        }

        Ensure(links);
        var largest = 0.0;
        for (var i = 0; i < links; i++)
        {
            var row = 0.0;
            for (var j = 0; j < links; j++)
            {
                var gain = gains[(i * links) + j];
                if (!(gain >= 0) || !double.IsFinite(gain))
                {
                    throw new ArgumentException($"Gain [{i}, {j}] is {gain}; gains must be finite and not negative.", nameof(gains));
                }

                var amplitude = Math.Sqrt(gain);
                _shift[(i * links) + j] = amplitude;
                row += amplitude;
            }

            largest = Math.Max(largest, row);
        }

        var normalize = largest > 0 ? 1 / largest : 0;
        for (var i = 0; i < links * links; i++)
        {
            _shift[i] *= normalize;
        }

        var hyperparameters = Weights.Hyperparameters;
        for (var i = 0; i < links; i++)
        {
            _x[i] = deciding[i] ? Math.Log2(1 + (hyperparameters.P0 * gains[(i * links) + i] / noise)) / Weights.StateScale : 0;
        }

        var x = _x.AsSpan(0, links);
        var power = _power.AsSpan(0, links);
        var next = _next.AsSpan(0, links);
        var sum = _sum.AsSpan(0, links);
        var shift = _shift.AsSpan(0, links * links);
        for (var l = 0; l < hyperparameters.Layers; l++)
        {
            var taps = Weights.Taps(l);
            x.CopyTo(power);
            for (var i = 0; i < links; i++)
            {
                sum[i] = taps[0] * x[i];
            }

            for (var k = 1; k < taps.Length; k++)
            {
                for (var i = 0; i < links; i++)
                {
                    var row = shift.Slice(i * links, links);
                    var value = 0.0;
                    for (var j = 0; j < links; j++)
                    {
                        value += row[j] * power[j];
                    }

                    next[i] = value;
                }

                next.CopyTo(power);
                for (var i = 0; i < links; i++)
                {
                    sum[i] += taps[k] * power[i];
                }
            }

            var bias = Weights.Bias(l);
            var last = l == hyperparameters.Layers - 1;
            for (var i = 0; i < links; i++)
            {
                var value = sum[i] + bias;
                x[i] = last || value > 0 ? value : 0;
            }
        }

        for (var i = 0; i < links; i++)
        {
            probability[i] = 1 / (1 + Math.Exp(-x[i]));
        }
    }

    private void Ensure(int links)
    {
        if (_x.Length == links)
        {
            return;
        }

        _shift = new double[links * links];
        _x = new double[links];
        _power = new double[links];
        _next = new double[links];
        _sum = new double[links];
    }
}
