using Controller.Learning.Training;
using Controller.Policies.ArtifactFormat;
using static TorchSharp.torch;

namespace Controller.Learning.Models;

/// <summary>
/// A network that gives every link of the <c>agg-gnn</c> scenario the logit of transmitting at p0, as the model-free
/// primal-dual trainer (<see cref="AggTrainer"/>) needs it: the decentralized Agg-GNN (<see cref="AggGnnNet"/>, from each
/// node's aggregation sequence) and the centralized selection GNN (<see cref="SelGnnNet"/>, from the whole channel) are
/// trained by the same algorithm on the same data, so that paper 004's comparison differs in the policy only.
/// </summary>
public abstract class OnOffNet : nn.Module
{
    /// <summary>Names the module.</summary>
    protected OnOffNet(string name)
        : base(name)
    {
    }

    /// <summary>The artifact hyperparameters of this network.</summary>
    public abstract PolicyHyperparameters ArtifactHyperparameters { get; }

    /// <summary>Pre-sigmoid outputs [B, S, m] for the configurations <paramref name="index"/> (int64 [B]) of <paramref name="data"/>.</summary>
    public abstract Tensor Logits(AggData data, Tensor index);

    /// <summary>Pre-sigmoid outputs [length, S, m] for configurations <paramref name="start"/> .. start + length - 1.</summary>
    public abstract Tensor Logits(AggData data, long start, long length);

    /// <summary>Starts every layer near the identity (first tap 1 plus noise, bias 0.01), from <paramref name="generator"/>.</summary>
    public abstract void ResetNearIdentity(Generator? generator, double noise = 0.1);
}
