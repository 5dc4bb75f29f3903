using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Controller.Learning.Alcor;

/// <summary>
/// Paper 001's small Fig. 1 network {25, 25, 25, 5} (N^2 gains in, N powers out as a fraction of Pmax) in two forms with
/// the same weights: a module (<see cref="Module"/>, linear and relu layers, a sigmoid output, no batch normalization)
/// and a functional forward (<see cref="Forward"/>) over explicit weight tensors, which meta-learning (eq. 11) needs to
/// run the network at theta + psi grad reward(theta) and differentiate through that step.
/// </summary>
public static class AlcorMlp
{
    /// <summary>The Fig. 1 widths for <paramref name="users"/> users: N^2, 25, 25, N.</summary>
    public static int[] Widths(int users) => [users * users, 25, 25, users];

    /// <summary>The module with PyTorch's default initialization from a generator seeded with <paramref name="seed"/>.</summary>
    public static Sequential Module(IReadOnlyList<int> widths, long seed)
    {
        ArgumentNullException.ThrowIfNull(widths);
        if (widths.Count < 2 || widths.Any(w => w < 1))
        {
            throw new ArgumentException("An MLP needs two or more positive widths.", nameof(widths));
        }

        random.manual_seed(seed);
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (var l = 0; l + 1 < widths.Count; l++)
        {
            layers.Add(($"linear{l}", nn.Linear(widths[l], widths[l + 1])));
            layers.Add(l + 2 < widths.Count ? ($"relu{l}", nn.ReLU()) : ("sigmoid", nn.Sigmoid()));
        }

        return nn.Sequential(layers);
    }

    /// <summary>The module's weights in the functional order (weight, bias per layer).</summary>
    public static Parameter[] Weights(Sequential module)
    {
        ArgumentNullException.ThrowIfNull(module);
        return [.. module.parameters()];
    }

    /// <summary>
    /// Outputs in [0, 1] ([rows, last width]) of the MLP with <paramref name="weights"/> (weight [out, in], bias [out] per
    /// layer) on <paramref name="input"/> [rows, first width]: relu(x W^T + b) per hidden layer, sigmoid on the last.
    /// Differentiable in the weights to any order.
    /// </summary>
    public static Tensor Forward(IReadOnlyList<Tensor> weights, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(input);
        if (weights.Count < 2 || weights.Count % 2 != 0)
        {
            throw new ArgumentException("The weights must come in (weight, bias) pairs.", nameof(weights));
        }

        using var scope = NewDisposeScope();
        var x = input;
        for (var l = 0; l < weights.Count; l += 2)
        {
            x = nn.functional.linear(x, weights[l], weights[l + 1]);
            x = l + 2 < weights.Count ? nn.functional.relu(x) : sigmoid(x);
        }

        return x.MoveToOuterDisposeScope();
    }
}
