using System.Numerics.Tensors;
using Controller.Policies.ArtifactFormat;

namespace Controller.Policies.Models;

/// <summary>The weights of an <c>alcor-dnn</c> artifact in double, read once and shared (immutable) by every <see cref="AlcorDnnModel"/>.</summary>
public sealed class AlcorDnnWeights
{
    private readonly double[][] _weights;
    private readonly double[][] _biases;
    private readonly double[][] _scale;
    private readonly double[][] _shift;

    private AlcorDnnWeights(AlcorDnnHyperparameters hyperparameters, AlcorDnnInputs inputs, double[][] weights, double[][] biases, double[][] scale, double[][] shift)
    {
        Hyperparameters = hyperparameters;
        Inputs = inputs;
        _weights = weights;
        _biases = biases;
        _scale = scale;
        _shift = shift;
    }

    /// <summary>Kind, users and widths.</summary>
    public AlcorDnnHyperparameters Hyperparameters { get; }

    /// <summary>How the inputs are computed.</summary>
    public AlcorDnnInputs Inputs { get; }

    internal ReadOnlySpan<double> Weight(int layer) => _weights[layer];

    internal ReadOnlySpan<double> Bias(int layer) => _biases[layer];

    // Batch normalization in eval mode folded into y = scale * x + shift (scale = gamma / sqrt(var + eps), shift = beta - mean * scale).
    internal ReadOnlySpan<double> NormScale(int layer) => _scale[layer];

    internal ReadOnlySpan<double> NormShift(int layer) => _shift[layer];

    /// <summary>Reads the weights of a loaded <c>alcor-dnn</c> artifact; throws <see cref="PolicyArtifactException"/> on a negative running variance.</summary>
    public static AlcorDnnWeights From(PolicyArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        if (artifact.Manifest.Hyperparameters is not AlcorDnnHyperparameters hyperparameters || artifact.Manifest.Inputs is not AlcorDnnInputs inputs)
        {
            throw new ArgumentException($"Artifact '{artifact.Manifest.Name}' is {artifact.Manifest.Architecture}, not {AlcorDnnHyperparameters.Name}.", nameof(artifact));
        }

        var layers = hyperparameters.Layers;
        var weights = new double[layers][];
        var biases = new double[layers][];
        var scale = new double[Math.Max(0, layers - 1)][];
        var shift = new double[Math.Max(0, layers - 1)][];
        for (var l = 0; l < layers; l++)
        {
            weights[l] = ToDouble(artifact.Tensor($"layers.{l}.weight").Values);
            biases[l] = ToDouble(artifact.Tensor($"layers.{l}.bias").Values);
        }

        for (var l = 0; l < layers - 1; l++)
        {
            var gamma = artifact.Tensor($"norms.{l}.weight").Values;
            var beta = artifact.Tensor($"norms.{l}.bias").Values;
            var mean = artifact.Tensor($"norms.{l}.running_mean").Values;
            var variance = artifact.Tensor($"norms.{l}.running_var").Values;
            scale[l] = new double[gamma.Length];
            shift[l] = new double[gamma.Length];
            for (var k = 0; k < gamma.Length; k++)
            {
                if (!(variance[k] >= 0))
                {
                    throw new PolicyArtifactException(artifact.Directory, $"tensor 'norms.{l}.running_var' holds {variance[k]} at {k}; a running variance must not be negative");
                }

                // The same float32 operations as libtorch's eval-mode batch norm would be exact only in float; double here.
                scale[l][k] = gamma[k] / Math.Sqrt(variance[k] + hyperparameters.BatchNormEpsilon);
                shift[l][k] = beta[k] - (mean[k] * scale[l][k]);
            }
        }

        return new AlcorDnnWeights(hyperparameters, inputs, weights, biases, scale, shift);
    }

    private static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = values[i];
        }

        return result;
    }
}

/// <summary>
/// Forward pass of an <c>alcor-dnn</c> network (src/Controller.Policies/ARTIFACT_FORMAT.md) in double on rows of inputs:
/// per hidden layer <c>relu(bn(W x + b))</c> with batch normalization in eval mode, then <c>sigmoid(W x + b)</c>, the
/// fraction of Pmax. Buffers are kept between calls: no allocation per slot once the batch size is known.
/// </summary>
public sealed class AlcorDnnModel
{
    private double[] _a = [];
    private double[] _b = [];

    /// <summary>Creates a model over shared <paramref name="weights"/>.</summary>
    public AlcorDnnModel(AlcorDnnWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        Weights = weights;
    }

    /// <summary>The weights.</summary>
    public AlcorDnnWeights Weights { get; }

    /// <summary>
    /// Writes, for each of <paramref name="rows"/> input rows (<paramref name="input"/>, row-major, the input width each),
    /// the output row (the output width each) of sigmoids in [0, 1] into <paramref name="output"/>.
    /// </summary>
    public void Run(int rows, ReadOnlySpan<double> input, Span<double> output)
    {
        var widths = Weights.Hyperparameters.Widths;
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 0);
        if (input.Length < rows * widths[0] || output.Length < rows * widths[^1])
        {
            throw new ArgumentException($"{rows} rows need {rows * widths[0]} inputs and {rows * widths[^1]} outputs (got {input.Length}, {output.Length}).");
        }

        var largest = widths.Max();
        if (_a.Length < rows * largest)
        {
            _a = new double[rows * largest];
            _b = new double[rows * largest];
        }

        input[..(rows * widths[0])].CopyTo(_a);
        var layers = Weights.Hyperparameters.Layers;
        for (var l = 0; l < layers; l++)
        {
            int inWidth = widths[l], outWidth = widths[l + 1];
            var weight = Weights.Weight(l);
            var bias = Weights.Bias(l);
            var last = l == layers - 1;
            for (var r = 0; r < rows; r++)
            {
                var x = _a.AsSpan(r * inWidth, inWidth);
                var y = _b.AsSpan(r * outWidth, outWidth);
                for (var o = 0; o < outWidth; o++)
                {
                    var sum = bias[o] + TensorPrimitives.Dot(weight.Slice(o * inWidth, inWidth), x);

                    if (last)
                    {
                        y[o] = 1 / (1 + Math.Exp(-sum));
                    }
                    else
                    {
                        var normalized = (Weights.NormScale(l)[o] * sum) + Weights.NormShift(l)[o];
                        y[o] = normalized > 0 ? normalized : 0;
                    }
                }
            }

            (_a, _b) = (_b, _a);
        }

        _a.AsSpan(0, rows * widths[^1]).CopyTo(output);
    }
}
