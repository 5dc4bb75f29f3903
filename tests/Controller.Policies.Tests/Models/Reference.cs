using Controller.Policies.ArtifactFormat;
using Controller.Radio.Channels;
using Controller.Radio.Graphs;

namespace Controller.Policies.Tests.Models;

/// <summary>
/// The contract's formulas written the slow, obvious way in double precision: edge by edge over the explicit
/// <see cref="InterferenceGraph.ForUsers"/> graph, convolution tap by tap with explicit zero padding.
/// </summary>
public static class Reference
{
    public static (double[] Power, double[] Selection) ResilientGnn(PolicyArtifact artifact, GainMatrix gains, int[] cellOf, double noise, double maxPower, double[] features, bool[] active)
    {
        var hp = (ResilientGnnHyperparameters)artifact.Manifest.Hyperparameters;
        var graph = InterferenceGraph.ForUsers(gains, cellOf, noise, maxPower);
        var n = cellOf.Length;
        var y = features.Select(f => new[] { f }).ToArray();
        for (var l = 0; l < hp.Layers; l++)
        {
            var input = hp.InputWidth(l);
            var w1 = artifact.Tensor($"layers.{l}.w1.weight").Values.ToArray();
            var b1 = artifact.Tensor($"layers.{l}.w1.bias").Values.ToArray();
            var w2 = artifact.Tensor($"layers.{l}.w2.weight").Values.ToArray();
            var w3 = artifact.Tensor($"layers.{l}.w3.weight").Values.ToArray();
            var next = new double[n][];
            for (var v = 0; v < n; v++)
            {
                next[v] = new double[hp.Hidden];
                for (var o = 0; o < hp.Hidden; o++)
                {
                    var x = (double)b1[o];
                    for (var k = 0; k < input; k++)
                    {
                        x += w1[(o * input) + k] * y[v][k];
                    }

                    for (var e = graph.Offsets[v]; e < graph.Offsets[v + 1]; e++)
                    {
                        var u = graph.Sources[e];
                        var difference = 0.0;
                        for (var k = 0; k < input; k++)
                        {
                            difference += (w2[(o * input) + k] * y[v][k]) - (w3[(o * input) + k] * y[u][k]);
                        }

                        x += graph.Weights[e] * difference;
                    }

                    next[v][o] = x > 0 ? x : hp.LeakySlope * x;
                }
            }

            y = next;
        }

        var powerWeight = artifact.Tensor("power.weight").Values.ToArray();
        var powerBias = artifact.Tensor("power.bias").Values[0];
        var selectionWeight = artifact.Tensor("selection.weight").Values.ToArray();
        var selectionBias = artifact.Tensor("selection.bias").Values[0];
        var cells = gains.Transmitters;
        var power = new double[cells];
        var selection = new double[n];
        for (var c = 0; c < cells; c++)
        {
            var members = Enumerable.Range(0, n).Where(v => cellOf[v] == c).ToArray();
            var activeMembers = members.Where(v => active[v]).ToArray();
            if (activeMembers.Length == 0)
            {
                continue;
            }

            var mean = new double[hp.Hidden];
            foreach (var v in members)
            {
                for (var o = 0; o < hp.Hidden; o++)
                {
                    mean[o] += y[v][o] / members.Length;
                }
            }

            power[c] = maxPower / (1 + Math.Exp(-(Dot(powerWeight, mean) + powerBias)));
            var logits = activeMembers.Select(v => (Dot(selectionWeight, y[v]) + selectionBias) / hp.SelectionTemperature).ToArray();
            var max = logits.Max();
            var sum = logits.Sum(l => Math.Exp(l - max));
            for (var i = 0; i < activeMembers.Length; i++)
            {
                selection[activeMembers[i]] = Math.Exp(logits[i] - max) / sum;
            }
        }

        return (power, selection);
    }

    public static double AggGnn(PolicyArtifact artifact, double[] sequence)
    {
        var hp = (AggGnnHyperparameters)artifact.Manifest.Hyperparameters;
        var scale = ((AggregationInputs)artifact.Manifest.Inputs).Scale;
        var x = sequence.Select((value, t) => value / scale[t]).ToArray();
        var left = (hp.FilterLength - 1) / 2;
        for (var l = 0; l < hp.Layers; l++)
        {
            var kernel = artifact.Tensor($"conv.{l}.weight").Values.ToArray();
            var bias = artifact.Tensor($"conv.{l}.bias").Values[0];
            var padded = new double[hp.SequenceLength + hp.FilterLength - 1];
            x.CopyTo(padded, left);
            var next = new double[hp.SequenceLength];
            for (var t = 0; t < hp.SequenceLength; t++)
            {
                next[t] = bias;
                for (var k = 0; k < hp.FilterLength; k++)
                {
                    next[t] += kernel[k] * padded[t + k];
                }

                if (l < hp.Layers - 1)
                {
                    next[t] = Math.Max(0, next[t]);
                }
            }

            x = next;
        }

        return 1 / (1 + Math.Exp(-x.Average()));
    }

    private static double Dot(float[] a, double[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
