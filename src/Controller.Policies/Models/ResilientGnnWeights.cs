using Controller.Policies.ArtifactFormat;

namespace Controller.Policies.Models;

/// <summary>
/// The resilient GNN's weights in the layout inference wants, read once from an artifact and shared
/// (immutable) by every <see cref="ResilientGnnModel"/>: per layer, W1, W2 and W3 transposed and stacked
/// side by side into one (input width x 3 hidden) matrix, so one matrix product gives
/// <c>[W1 y_v | W2 y_v | W3 y_v]</c> for every node.
/// </summary>
public sealed class ResilientGnnWeights
{
    private readonly float[][] _stacked;
    private readonly float[][] _bias;
    private readonly float[] _power;
    private readonly float[] _selection;

    private ResilientGnnWeights(ResilientGnnHyperparameters hyperparameters, float[][] stacked, float[][] bias, float[] power, float powerBias, float[] selection, float selectionBias)
    {
        Hyperparameters = hyperparameters;
        _stacked = stacked;
        _bias = bias;
        _power = power;
        PowerBias = powerBias;
        _selection = selection;
        SelectionBias = selectionBias;
    }

    /// <summary>Layers, width, slope and temperature.</summary>
    public ResilientGnnHyperparameters Hyperparameters { get; }

    internal float PowerBias { get; }

    internal float SelectionBias { get; }

    internal ReadOnlySpan<float> PowerWeight => _power;

    internal ReadOnlySpan<float> SelectionWeight => _selection;

    /// <summary>Reads the weights of a loaded <c>resilient-gnn</c> artifact.</summary>
    public static ResilientGnnWeights From(PolicyArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        if (artifact.Manifest.Hyperparameters is not ResilientGnnHyperparameters hyperparameters)
        {
            throw new ArgumentException($"Artifact '{artifact.Manifest.Name}' is {artifact.Manifest.Architecture}, not {ResilientGnnHyperparameters.Name}.", nameof(artifact));
        }

        var hidden = hyperparameters.Hidden;
        var stacked = new float[hyperparameters.Layers][];
        var bias = new float[hyperparameters.Layers][];
        for (var l = 0; l < hyperparameters.Layers; l++)
        {
            var input = hyperparameters.InputWidth(l);
            var matrix = new float[input * 3 * hidden];
            ReadOnlySpan<string> names = [$"layers.{l}.w1.weight", $"layers.{l}.w2.weight", $"layers.{l}.w3.weight"];
            for (var block = 0; block < 3; block++)
            {
                // PyTorch stores Linear weights as [out, in]; row k of the stacked matrix holds column k of each.
                var weight = artifact.Tensor(names[block]).Values;
                for (var o = 0; o < hidden; o++)
                {
                    for (var k = 0; k < input; k++)
                    {
                        matrix[(k * 3 * hidden) + (block * hidden) + o] = weight[(o * input) + k];
                    }
                }
            }

            stacked[l] = matrix;
            bias[l] = artifact.Tensor($"layers.{l}.w1.bias").Values.ToArray();
        }

        return new ResilientGnnWeights(
            hyperparameters,
            stacked,
            bias,
            artifact.Tensor("power.weight").Values.ToArray(),
            artifact.Tensor("power.bias").Values[0],
            artifact.Tensor("selection.weight").Values.ToArray(),
            artifact.Tensor("selection.bias").Values[0]);
    }

    internal ReadOnlySpan<float> Stacked(int layer) => _stacked[layer];

    internal ReadOnlySpan<float> Bias(int layer) => _bias[layer];
}
