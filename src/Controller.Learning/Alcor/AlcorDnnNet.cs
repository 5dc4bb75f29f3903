using Controller.Learning.Models;
using Controller.Policies.ArtifactFormat;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Controller.Learning.Alcor;

/// <summary>
/// Paper 001's fully connected allocator (architecture <c>alcor-dnn</c>) as a TorchSharp module: per hidden layer
/// <c>relu(batchnorm(linear(x)))</c>, then <c>sigmoid(linear(x))</c>, the fraction of Pmax. Parameter and buffer names are
/// the artifact's tensor names (<c>layers.{l}.weight|bias</c>, <c>norms.{l}.weight|bias|running_mean|running_var</c>); the
/// managed <see cref="Controller.Policies.Models.AlcorDnnModel"/> computes the same function in eval mode. The batch
/// normalization is <see cref="SafeBatchNorm"/>, not TorchSharp's <c>BatchNorm1d</c>, whose forward adds to its step
/// counter with a hidden temporary scalar: a training aborted on it at step 1900 (<c>Unknown scalar type</c> in
/// <c>add_</c>, the hazard <see cref="Scalars"/> describes).
/// </summary>
public sealed class AlcorDnnNet : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> _layers = new();
    private readonly ModuleList<SafeBatchNorm> _norms = new();

    /// <summary>Creates the network with PyTorch's default initialization (from the global generator).</summary>
    public AlcorDnnNet(AlcorDnnHyperparameters hyperparameters)
        : base("alcor-dnn")
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        hyperparameters.Check();
        Hyperparameters = hyperparameters;
        var widths = hyperparameters.Widths;
        for (var l = 0; l < hyperparameters.Layers; l++)
        {
            _layers.Add(nn.Linear(widths[l], widths[l + 1]));
            if (l < hyperparameters.Layers - 1)
            {
                _norms.Add(new SafeBatchNorm(widths[l + 1], hyperparameters.BatchNormEpsilon));
            }
        }

        register_module("layers", _layers);
        register_module("norms", _norms);
    }

    /// <summary>Kind, users and widths.</summary>
    public AlcorDnnHyperparameters Hyperparameters { get; }

    /// <summary>Outputs in [0, 1] ([rows, output width]) for inputs [rows, input width].</summary>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        var x = input;
        for (var l = 0; l < _layers.Count; l++)
        {
            x = _layers[l].forward(x);
            if (l < _norms.Count)
            {
                x = nn.functional.relu(_norms[l].forward(x));
            }
        }

        return sigmoid(x).MoveToOuterDisposeScope();
    }

    /// <summary>The weights and batch-normalization statistics as artifact tensors (float32), in the contract's order.</summary>
    public IReadOnlyList<Controller.Policies.ArtifactFormat.SafeTensor> Tensors()
    {
        var all = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, parameter) in named_parameters())
        {
            all[name] = parameter;
        }

        foreach (var (name, buffer) in named_buffers())
        {
            all[name] = buffer;
        }

        var tensors = new List<Controller.Policies.ArtifactFormat.SafeTensor>();
        foreach (var (name, shape) in Hyperparameters.ExpectedTensors())
        {
            using var cpu = all[name].detach().to(ScalarType.Float32).cpu().contiguous();
            tensors.Add(new Controller.Policies.ArtifactFormat.SafeTensor(name, shape, cpu.data<float>().ToArray()));
        }

        return tensors;
    }

    /// <summary>Sets every weight and statistic from <paramref name="tensors"/> (by name).</summary>
    public void Load(IReadOnlyList<Controller.Policies.ArtifactFormat.SafeTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        using var _ = no_grad();
        foreach (var (name, target) in named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(named_buffers()))
        {
            if (!byName.TryGetValue(name, out var source))
            {
                if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal))
                {
                    continue;
                }

                throw new ArgumentException($"No tensor '{name}' to load.", nameof(tensors));
            }

            using var values = tensor(source.Values.ToArray(), target.shape);
            target.copy_(values);
        }
    }

    /// <summary>The network of a loaded <c>alcor-dnn</c> artifact, in eval mode.</summary>
    public static AlcorDnnNet FromArtifact(PolicyArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        if (artifact.Manifest.Hyperparameters is not AlcorDnnHyperparameters hyperparameters)
        {
            throw new ArgumentException($"Artifact '{artifact.Manifest.Name}' is {artifact.Manifest.Architecture}, not {AlcorDnnHyperparameters.Name}.", nameof(artifact));
        }

        var net = new AlcorDnnNet(hyperparameters);
        net.Load(artifact.Weights.Tensors);
        net.eval();
        return net;
    }

    /// <summary>
    /// Rates [B, N] of one-to-one links with gains <paramref name="gains"/> [B, N, N] (<c>[receiver, transmitter]</c>) and
    /// powers <paramref name="power"/> [B, N]: <c>log2(1 + G_ii p_i / (N0 + sum_{j != i} G_ij p_j))</c>, eq. (9).
    /// </summary>
    public static Tensor Rates(Tensor gains, Tensor power, double noise)
    {
        ArgumentNullException.ThrowIfNull(gains);
        ArgumentNullException.ThrowIfNull(power);
        using var scope = NewDisposeScope();
        var received = gains * power.unsqueeze(-2);
        var signal = received.diagonal(0, -2, -1);
        var interference = received.sum(-1) - signal;
        return log2((signal / interference.Plus(Scalars.Of(noise))).Plus(Scalars.One)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// PyTorch's <c>BatchNorm1d</c> (affine, running statistics with momentum 0.1; the running variance unbiased) written
    /// with reachable scalars only. Training mode normalizes by the batch's mean and biased variance and updates the
    /// running statistics; eval mode uses the running ones.
    /// </summary>
    private sealed class SafeBatchNorm : nn.Module<Tensor, Tensor>
    {
        private const double Momentum = 0.1;
        private readonly double _epsilon;

        public SafeBatchNorm(int features, double epsilon)
            : base("norm")
        {
            _epsilon = epsilon;
            register_parameter("weight", nn.Parameter(ones(features)));
            register_parameter("bias", nn.Parameter(zeros(features)));
            register_buffer("running_mean", zeros(features));
            register_buffer("running_var", ones(features));
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var weight = get_parameter("weight")!;
            var bias = get_parameter("bias")!;
            var runningMean = get_buffer("running_mean")!;
            var runningVariance = get_buffer("running_var")!;
            Tensor mean, variance;
            if (training)
            {
                mean = input.mean([0L]);
                var centered = input - mean;
                variance = (centered * centered).mean([0L]);
                var rows = input.shape[0];
                using (no_grad())
                {
                    var unbiased = rows > 1 ? variance.detach() * Scalars.Of(rows / (rows - 1.0)) : variance.detach();
                    runningMean.mul_(Scalars.Of(1 - Momentum)).PlusInPlace(mean.detach() * Scalars.Of(Momentum));
                    runningVariance.mul_(Scalars.Of(1 - Momentum)).PlusInPlace(unbiased * Scalars.Of(Momentum));
                }
            }
            else
            {
                mean = runningMean;
                variance = runningVariance;
            }

            var normalized = (input - mean) / variance.Plus(Scalars.Of(_epsilon)).sqrt();
            return (normalized * weight).Plus(bias).MoveToOuterDisposeScope();
        }
    }
}
