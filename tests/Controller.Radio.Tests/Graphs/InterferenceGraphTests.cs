using Controller.Radio.Channels;
using Controller.Radio.Graphs;

namespace Controller.Radio.Tests.Graphs;

public sealed class InterferenceGraphTests
{
    private static GainMatrix Square(double[,] values)
    {
        var n = values.GetLength(0);
        var gains = new GainMatrix(n, values.GetLength(1));
        for (var r = 0; r < n; r++)
        {
            for (var t = 0; t < values.GetLength(1); t++)
            {
                gains[r, t] = values[r, t];
            }
        }

        return gains;
    }

    [Fact]
    public void ForLinks_InrThreshold_KeepsOnlyStrongInterferers()
    {
        // Pmax / noise = 100: INR of G = 0.5 is 50 (17 dB), of G = 0.001 is 0.1 (-10 dB).
        var gains = Square(new double[,] { { 1, 0.5, 0.001 }, { 0.001, 1, 0 }, { 0.2, 0.001, 1 } });

        var graph = InterferenceGraph.ForLinks(gains, noise: 0.01, maxPower: 1, minInrDb: 0);

        Assert.Equal(0.5, graph.Weight(1, 0));
        Assert.Equal(0.2, graph.Weight(0, 2));
        Assert.Null(graph.Weight(2, 0));
        Assert.Null(graph.Weight(0, 1));
        Assert.Null(graph.Weight(0, 0));
        Assert.Equal(2, graph.Edges);
    }

    [Fact]
    public void ForAggregation_Eta0_ThresholdsAmplitudeAndKeepsSelfEdges()
    {
        var gains = Square(new double[,] { { 4, 0.25 }, { 0.01, 9 } });

        var graph = InterferenceGraph.ForAggregation(gains, eta0: 0.2);

        Assert.Equal(2.0, graph.Weight(0, 0));
        Assert.Equal(0.5, graph.Weight(1, 0));
        Assert.Null(graph.Weight(0, 1)); // |h| = 0.1 < 0.2
        Assert.Equal(3.0, graph.Weight(1, 1));
    }

    [Fact]
    public void ForUsers_TwoCells_EdgesOnlyAcrossCellsWithNormalizedLogWeights()
    {
        // Users 0, 1 in cell 0; user 2 in cell 1. gains[user, ap].
        var gains = Square(new double[,] { { 100, 10 }, { 1000, 1 }, { 10, 10000 } });
        int[] serving = [0, 0, 1];

        var graph = InterferenceGraph.ForUsers(gains, serving, noise: 1, maxPower: 1);

        // Raw weights log(G[destination, AP of source]): self loops ln100, ln1000, ln10000; 0->2 and 1->2: ln10; 2->0: ln10; 2->1: ln1.
        double[] raw = [Math.Log(100), Math.Log(1000), Math.Log(10000), Math.Log(10), Math.Log(10), Math.Log(10), Math.Log(1)];
        var norm = Math.Sqrt(raw.Sum(w => w * w));
        Assert.Equal(Math.Log(100) / norm, graph.Weight(0, 0)!.Value, 12);
        Assert.Equal(Math.Log(10000) / norm, graph.Weight(2, 2)!.Value, 12);
        Assert.Equal(Math.Log(10) / norm, graph.Weight(0, 2)!.Value, 12);
        Assert.Equal(Math.Log(10) / norm, graph.Weight(2, 0)!.Value, 12);
        Assert.Equal(0, graph.Weight(2, 1)!.Value, 12);
        Assert.Null(graph.Weight(0, 1));
        Assert.Null(graph.Weight(1, 0));
        Assert.Equal(7, graph.Edges);
    }
}
