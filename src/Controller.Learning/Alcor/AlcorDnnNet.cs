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
/// managed <see cref="Controller.Policies.Models.AlcorDnnModel"/> computes the same function in eval mode.
/// </summary>
public sealed class AlcorDnnNet : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> _layers = new();
    private readonly ModuleList<BatchNorm1d> _norms = new();

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
                _norms.Add(nn.BatchNorm1d(widths[l + 1], eps: hyperparameters.BatchNormEpsilon));
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
}
