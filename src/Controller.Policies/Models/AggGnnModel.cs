using System.Numerics.Tensors;
using Controller.Policies.ArtifactFormat;

namespace Controller.Policies.Models;

/// <summary>The Agg-GNN's weights, read once from an artifact and shared (immutable) by every <see cref="AggGnnModel"/>.</summary>
public sealed class AggGnnWeights
{
    private readonly double[][] _kernels;
    private readonly double[] _biases;
    private readonly double[] _scale;

    private AggGnnWeights(AggGnnHyperparameters hyperparameters, double[] scale, double[][] kernels, double[] biases)
    {
        Hyperparameters = hyperparameters;
        _scale = scale;
        _kernels = kernels;
        _biases = biases;
    }

    /// <summary>K, layers, filter length and p0.</summary>
    public AggGnnHyperparameters Hyperparameters { get; }

    /// <summary>Divisors of the K sequence positions (the manifest's <c>inputs.scale</c>).</summary>
    public ReadOnlySpan<double> Scale => _scale;

    internal ReadOnlySpan<double> Kernel(int layer) => _kernels[layer];

    internal double Bias(int layer) => _biases[layer];

    /// <summary>Reads the weights of a loaded <c>agg-gnn</c> artifact.</summary>
    public static AggGnnWeights From(PolicyArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        if (artifact.Manifest.Hyperparameters is not AggGnnHyperparameters hyperparameters || artifact.Manifest.Inputs is not AggregationInputs inputs)
        {
            throw new ArgumentException($"Artifact '{artifact.Manifest.Name}' is {artifact.Manifest.Architecture}, not {AggGnnHyperparameters.Name}.", nameof(artifact));
        }

        var kernels = new double[hyperparameters.Layers][];
        var biases = new double[hyperparameters.Layers];
        for (var l = 0; l < hyperparameters.Layers; l++)
        {
            var kernel = artifact.Tensor($"conv.{l}.weight").Values;
            kernels[l] = new double[kernel.Length];
            for (var k = 0; k < kernel.Length; k++)
            {
                kernels[l][k] = kernel[k];
            }

            biases[l] = artifact.Tensor($"conv.{l}.bias").Values[0];
        }

        return new AggGnnWeights(hyperparameters, [.. inputs.Scale], kernels, biases);
    }
}

/// <summary>
/// Forward pass of paper 004's Agg-GNN (architecture <c>agg-gnn</c> of src/Controller.Policies/ARTIFACT_FORMAT.md) for
/// a batch of nodes: each node's raw aggregation sequence (length K) is divided by the scale, passed through
/// <c>layers</c> one-channel convolutions (<c>Conv1d(1, 1, filterLength)</c>, PyTorch's cross-correlation,
/// zero padding <c>left = (filterLength - 1) / 2</c>, <c>right = filterLength - 1 - left</c>, ReLU after every
/// layer but the last) and <c>q_i = sigmoid(mean over the K positions)</c>. The batch is laid out position-major
/// (row t holds position t of every node), so each filter tap is one vectorized multiply-add across all
/// nodes. Activations are double: ten float32 layers drift 1-2e-5 from the exact q on real sequences (measured on the
/// committed artifacts), more than the 1e-5 the backends must agree within; the work per node is small either way. Buffers grow with the
/// largest batch; after that <see cref="Run"/> does not allocate. One instance serves one caller at a time.
/// </summary>
public sealed class AggGnnModel
{
    private readonly AggGnnWeights _weights;
    private double[] _current = [];
    private double[] _next = [];
    private double[] _sum = [];

    /// <summary>Creates a model with its own workspace over shared <paramref name="weights"/>.</summary>
    public AggGnnModel(AggGnnWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _weights = weights;
    }

    /// <summary>The weights.</summary>
    public AggGnnWeights Weights => _weights;

    /// <summary>
    /// Computes <paramref name="probability"/>[i] = q_i for every node i of <paramref name="sequences"/>
    /// (row-major nodes x K, raw: the model applies the scale).
    /// </summary>
    public void Run(ReadOnlySpan<double> sequences, Span<double> probability)
    {
        var hyperparameters = _weights.Hyperparameters;
        var length = hyperparameters.SequenceLength;
        var nodes = probability.Length;
        if (sequences.Length != nodes * length)
        {
            throw new ArgumentException($"Expected {nodes} sequences of length {length} ({nodes * length} values), got {sequences.Length} values.", nameof(sequences));
        }

        if (nodes == 0)
        {
            return;
        }

        EnsureCapacity(nodes * length, nodes);
        var current = _current.AsSpan(0, nodes * length);
        var next = _next.AsSpan(0, nodes * length);
        var scale = _weights.Scale;
        for (var i = 0; i < nodes; i++)
        {
            for (var t = 0; t < length; t++)
            {
                var value = sequences[(i * length) + t];
                if (!double.IsFinite(value))
                {
                    throw new ArgumentOutOfRangeException(nameof(sequences), value, $"Position {t} of node {i}'s sequence is not finite.");
                }

                current[(t * nodes) + i] = value / scale[t];
            }
        }

        var filter = hyperparameters.FilterLength;
        var left = (filter - 1) / 2;
        for (var layer = 0; layer < hyperparameters.Layers; layer++)
        {
            var kernel = _weights.Kernel(layer);
            next.Fill(_weights.Bias(layer));
            for (var t = 0; t < length; t++)
            {
                var output = next.Slice(t * nodes, nodes);
                // out[t] = bias + sum_k w[k] in[t + k - left], positions outside [0, K) being zero padding.
                var firstTap = Math.Max(0, left - t);
                var lastTap = Math.Min(filter - 1, length - 1 - t + left);
                for (var k = firstTap; k <= lastTap; k++)
                {
                    TensorPrimitives.MultiplyAdd(current.Slice((t + k - left) * nodes, nodes), kernel[k], output, output);
                }
            }

            if (layer < hyperparameters.Layers - 1)
            {
                TensorPrimitives.Max(next, 0.0, next);
            }

            var swap = current;
            current = next;
            next = swap;
        }

        var sum = _sum.AsSpan(0, nodes);
        sum.Clear();
        for (var t = 0; t < length; t++)
        {
            TensorPrimitives.Add(sum, current.Slice(t * nodes, nodes), sum);
        }

        for (var i = 0; i < nodes; i++)
        {
            probability[i] = 1 / (1 + Math.Exp(-sum[i] / length));
        }
    }

    private void EnsureCapacity(int values, int nodes)
    {
        if (_current.Length < values)
        {
            var capacity = Math.Max(values, _current.Length * 2);
            _current = new double[capacity];
            _next = new double[capacity];
        }

        if (_sum.Length < nodes)
        {
            _sum = new double[Math.Max(nodes, _sum.Length * 2)];
        }
    }
}
