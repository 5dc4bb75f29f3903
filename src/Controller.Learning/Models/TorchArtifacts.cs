using Controller.Policies.ArtifactFormat;
using TorchSharp;
using static TorchSharp.torch;

namespace Controller.Learning.Models;

/// <summary>Moves weights between an artifact's tensors and a TorchSharp module whose parameter names are the tensor names.</summary>
public static class TorchArtifacts
{
    /// <summary>The resilient GNN of a loaded artifact.</summary>
    public static ResilientGnnNet LoadResilient(PolicyArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        if (artifact.Manifest.Hyperparameters is not ResilientGnnHyperparameters hyperparameters)
        {
            throw new ArgumentException($"Artifact '{artifact.Manifest.Name}' is {artifact.Manifest.Architecture}, not {ResilientGnnHyperparameters.Name}.", nameof(artifact));
        }

        var net = new ResilientGnnNet(hyperparameters);
        CopyInto(net, artifact);
        return net;
    }

    /// <summary>The Agg-GNN of a loaded artifact (with its input scale).</summary>
    public static AggGnnNet LoadAgg(PolicyArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        if (artifact.Manifest.Hyperparameters is not AggGnnHyperparameters hyperparameters || artifact.Manifest.Inputs is not AggregationInputs inputs)
        {
            throw new ArgumentException($"Artifact '{artifact.Manifest.Name}' is {artifact.Manifest.Architecture}, not {AggGnnHyperparameters.Name}.", nameof(artifact));
        }

        var net = new AggGnnNet(hyperparameters, [.. inputs.Scale]);
        CopyInto(net, artifact);
        return net;
    }

    /// <summary>The selection GNN of a loaded <c>sel-gnn</c> artifact (with its state scale).</summary>
    public static SelGnnNet LoadSel(PolicyArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        if (artifact.Manifest.Hyperparameters is not SelGnnHyperparameters hyperparameters || artifact.Manifest.Inputs is not ChannelGraphInputs inputs)
        {
            throw new ArgumentException($"Artifact '{artifact.Manifest.Name}' is {artifact.Manifest.Architecture}, not {SelGnnHyperparameters.Name}.", nameof(artifact));
        }

        var net = new SelGnnNet(hyperparameters, inputs.StateScale);
        CopyInto(net, artifact);
        return net;
    }

    /// <summary>Sets every parameter of <paramref name="module"/> from the artifact's tensor of the same name (the artifact was validated on load).</summary>
    public static void CopyInto(nn.Module module, PolicyArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(artifact);
        using var _ = no_grad();
        foreach (var (name, parameter) in module.named_parameters())
        {
            if (!artifact.Weights.ByName.TryGetValue(name, out var source))
            {
                throw new PolicyArtifactException(artifact.Directory, $"the model has parameter '{name}' that the artifact lacks");
            }

            if (!source.HasShape([.. parameter.shape.Select(d => (int)d)]))
            {
                throw new PolicyArtifactException(artifact.Directory, $"tensor '{name}' is {source.ShapeText}, the model expects [{string.Join(", ", parameter.shape)}]");
            }

            using var values = tensor(source.Values.ToArray(), parameter.shape);
            parameter.copy_(values);
        }
    }

    /// <summary>The module's parameters as artifact tensors (float32, row-major), in the module's order.</summary>
    public static IReadOnlyList<SafeTensor> Tensors(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var tensors = new List<SafeTensor>();
        foreach (var (name, parameter) in module.named_parameters())
        {
            using var cpu = parameter.detach().to(ScalarType.Float32).cpu().contiguous();
            tensors.Add(new SafeTensor(name, [.. parameter.shape.Select(d => (int)d)], cpu.data<float>().ToArray()));
        }

        return tensors;
    }
}
