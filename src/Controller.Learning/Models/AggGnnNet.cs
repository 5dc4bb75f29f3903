using Controller.Learning.Training;
using Controller.Policies.ArtifactFormat;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Controller.Learning.Models;

/// <summary>
/// Paper 004's per-node CNN over the length-K aggregation sequence (architecture <c>agg-gnn</c>) as a TorchSharp
/// module shared by training and the torchsharp backend: <c>layers</c> one-channel convolutions
/// (<c>Conv1d(1 -> 1, filterLength)</c>, zero padding keeping the length K), ReLU between, sigmoid of the mean. Parameter
/// names are the artifact's (<c>conv.{l}.weight</c> [1, 1, filterLength], <c>conv.{l}.bias</c> [1]).
/// </summary>
/// <remarks>
/// Each convolution runs as one K x K Toeplitz product built from the taps (<c>out[k] = b + sum_i x[i] w[i - k + left]</c>),
/// the same sums as a padded Conv1d: for the millions of short one-channel sequences of a training batch libtorch's CPU
/// convolution is far slower than this product. The activations are kept as [K, N] (one column per sequence) and each
/// layer multiplies by the transposed Toeplitz matrix from the left: libtorch's MKL took 0.76 ms for the tall product
/// [80000, 5] x [5, 5] and 0.10 ms for [5, 5] x [5, 80000] on the AMD EPYC machines here, and the backward products
/// gain alike (an epoch of the trainer at its defaults went from about 0.17 to 0.10 s).
/// </remarks>
public sealed class AggGnnNet : OnOffNet
{
    private readonly Conv1d[] _conv;
    private readonly Tensor _shifts;

    /// <summary>Creates the network with PyTorch's default initialization; <paramref name="scale"/> is the manifest's inputs.scale.</summary>
    public AggGnnNet(AggGnnHyperparameters hyperparameters, IReadOnlyList<double> scale)
        : base("agg-gnn")
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        ArgumentNullException.ThrowIfNull(scale);
        if (scale.Count != hyperparameters.SequenceLength || scale.Any(s => !(s > 0) || !double.IsFinite(s)))
        {
            throw new ArgumentException($"The scale needs {hyperparameters.SequenceLength} finite positive entries.", nameof(scale));
        }

        Hyperparameters = hyperparameters;
        Scale = [.. scale];
        var conv = new ModuleList<Conv1d>();
        _conv = new Conv1d[hyperparameters.Layers];
        for (var l = 0; l < hyperparameters.Layers; l++)
        {
            _conv[l] = nn.Conv1d(1, 1, hyperparameters.FilterLength);
            conv.Add(_conv[l]);
        }

        register_module("conv", conv);
        _shifts = Shifts(hyperparameters.SequenceLength, hyperparameters.FilterLength);
    }

    /// <summary>K, layers, filter length and p0.</summary>
    public AggGnnHyperparameters Hyperparameters { get; }

    /// <summary>Divisors of the K positions.</summary>
    public IReadOnlyList<double> Scale { get; }

    /// <inheritdoc />
    public override PolicyHyperparameters ArtifactHyperparameters => Hyperparameters;

    /// <inheritdoc />
    public override Tensor Logits(AggData data, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(index);
        using var scope = NewDisposeScope();
        return Logits(data.Sequences.index_select(0, index) / ScaleTensor(data.Sequences.dtype)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor Logits(AggData data, long start, long length)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var scope = NewDisposeScope();
        return Logits(data.Sequences.narrow(0, start, length) / ScaleTensor(data.Sequences.dtype)).MoveToOuterDisposeScope();
    }

    /// <summary>Starts every layer near the identity (centre tap 1 plus noise, bias 0.01): with one filter per layer and ReLU a default start often zeroes the signal in one of ten layers.</summary>
    public override void ResetNearIdentity(Generator? generator, double noise = 0.1)
    {
        var left = (Hyperparameters.FilterLength - 1) / 2;
        using var _ = no_grad();
        foreach (var conv in _conv)
        {
            using var w = Scalars.Of(noise) * randn(conv.weight!.shape, generator: generator);
            w[0, 0, left].PlusInPlace(Scalars.One);
            conv.weight!.copy_(w);
            conv.bias!.fill_(Scalars.Of(0.01));
        }
    }

    /// <summary>Pre-sigmoid outputs: <paramref name="scaled"/> [..., K] sequences already divided by the scale -> [...].</summary>
    public Tensor Logits(Tensor scaled)
    {
        ArgumentNullException.ThrowIfNull(scaled);
        using var scope = NewDisposeScope();
        var k = scaled.shape[^1];
        var shape = scaled.shape[..^1];
        // [K, N]: position k of sequence n at [k, n].
        var x = scaled.reshape(-1, k).t().contiguous();
        var shifts = _shifts.to(x.dtype);
        for (var l = 0; l < _conv.Length; l++)
        {
            // transposed[o, i] = toeplitz[i, o]: out[o, n] = b + sum_i toeplitz[i, o] x[i, n].
            var transposed = einsum("j,jik->ki", _conv[l].weight!.view(-1).to(x.dtype), shifts);
            x = transposed.matmul(x).Plus(_conv[l].bias!.to(x.dtype));
            if (l < _conv.Length - 1)
            {
                x = nn.functional.relu(x);
            }
        }

        return x.mean([0]).reshape(shape).MoveToOuterDisposeScope();
    }

    /// <summary>q, the probability of transmitting at p0, from raw (unscaled) sequences [..., K].</summary>
    public Tensor Forward(Tensor sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        using var scope = NewDisposeScope();
        return sigmoid(Logits(sequences / ScaleTensor(sequences.dtype))).MoveToOuterDisposeScope();
    }

    private Tensor ScaleTensor(ScalarType dtype) => tensor(Scale.ToArray(), dtype: dtype);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _shifts.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>[filterLength, K, K] 0/1: shifts[j, i, o] = 1 when tap j links input i to output o.</summary>
    private static Tensor Shifts(int k, int filterLength)
    {
        var left = (filterLength - 1) / 2;
        var values = new float[filterLength * k * k];
        for (var o = 0; o < k; o++)
        {
            for (var j = 0; j < filterLength; j++)
            {
                var i = o + j - left;
                if (i >= 0 && i < k)
                {
                    values[(((j * k) + i) * k) + o] = 1;
                }
            }
        }

        return tensor(values, [filterLength, k, k]);
    }
}
