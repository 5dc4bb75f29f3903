using Controller.Optimization.Aggregation;
using Controller.Radio.Channels;
using Controller.Radio.Graphs;
using Controller.Radio.Randomness;

namespace Controller.Optimization.Tests.Aggregation;

public sealed class AggregationNetworkTests
{
    // Amplitudes |h_ij| of a 3-node line: node 0 and node 2 do not hear each other.
    private static readonly double[,] LineAmplitudes = { { 1.0, 0.5, 0.0 }, { 0.25, 1.0, 0.5 }, { 0.0, 0.2, 1.0 } };
    private static readonly bool[] AllActive = [true, true, true];

    [Fact]
    public void Advance_SynchronousLine_HandComputedSequences()
    {
        var graph = InterferenceGraph.ForAggregation(Gains(LineAmplitudes), eta0: 0.1);
        var network = new AggregationNetwork(3, length: 3);

        network.Advance(graph, AllActive, [1, 2, 3]);
        network.Advance(graph, AllActive, [4, 5, 6]);
        network.Advance(graph, AllActive, [7, 8, 9]);

        // y^(1)(2) = A x(1); y^(2)(2) = A y^(1)(1) with y^(1)(1) = A x(0) = (2, 3.75, 3.4).
        AssertSequence(network, 0, 7, 6.5, 3.875);
        AssertSequence(network, 1, 8, 9, 5.95);
        AssertSequence(network, 2, 9, 7, 4.15);
        Assert.Equal(3 * 2, network.ScalarsSentLastSlot);
    }

    [Fact]
    public void Advance_MiddleNodeInactive_ItSendsNothingButStillReceives()
    {
        var graph = InterferenceGraph.ForAggregation(Gains(LineAmplitudes), eta0: 0.1);
        var network = new AggregationNetwork(3, length: 3);
        network.Advance(graph, AllActive, [1, 2, 3]);
        network.Advance(graph, AllActive, [4, 5, 6]);

        network.Advance(graph, [true, false, true], [7, 8, 9]);

        // Column 1 of Htil(2) is masked (node 1 did not send, not even to itself): y^(1)(2) = (4, 1 + 3, 6),
        // y^(2)(2) = (2, 0.25 * 2 + 0.5 * 3.4, 3.4); node 1 keeps its last observation 5.
        AssertSequence(network, 0, 7, 4, 2);
        AssertSequence(network, 1, 5, 4, 2.2);
        AssertSequence(network, 2, 9, 6, 3.4);
        Assert.Equal(2 * 2, network.ScalarsSentLastSlot);

        network.Advance(graph, AllActive, [10, 11, 12]);

        // Node 1 forwards what it gathered while inactive: y^(1)(3) = A (7, 5, 9), y^(2)(3) = A (4, 4, 6).
        AssertSequence(network, 0, 10, 9.5, 6);
        AssertSequence(network, 1, 11, 11.25, 8);
        AssertSequence(network, 2, 12, 10, 6.8);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    [InlineData(0.2)]
    public void Advance_RandomChannelsAndActivity_EqualsMaskedProductForm(double activity)
    {
        const int Nodes = 7;
        const int Length = 4;
        const double Eta0 = 0.3;
        var random = new SeededRandom(17);
        var network = new AggregationNetwork(Nodes, Length);
        var shifts = new List<double[,]>();
        var observed = new List<double[]>();
        var held = new double[Nodes];
        var compared = 0;
        for (var t = 0; t < 60; t++)
        {
            var amplitudes = new double[Nodes, Nodes];
            var active = new bool[Nodes];
            var states = new double[Nodes];
            for (var i = 0; i < Nodes; i++)
            {
                active[i] = random.NextBernoulli(activity);
                states[i] = random.NextDouble(-1, 1);
                for (var j = 0; j < Nodes; j++)
                {
                    amplitudes[i, j] = random.NextDouble();
                }
            }

            network.Advance(InterferenceGraph.ForAggregation(Gains(amplitudes), Eta0), active, states);

            var shift = new double[Nodes, Nodes];
            for (var i = 0; i < Nodes; i++)
            {
                held[i] = active[i] ? states[i] : held[i];
                for (var j = 0; j < Nodes; j++)
                {
                    shift[i, j] = active[j] && amplitudes[i, j] >= Eta0 ? amplitudes[i, j] : 0;
                }
            }

            shifts.Insert(0, shift);
            observed.Insert(0, (double[])held.Clone());
            for (var k = 0; k < Length && k <= t; k++)
            {
                // Htil(t) Htil(t-1) ... Htil(t-k+1) xbar(t-k), applied right to left.
                var expected = (double[])observed[k].Clone();
                for (var d = k - 1; d >= 0; d--)
                {
                    expected = Apply(shifts[d], expected);
                }

                for (var i = 0; i < Nodes; i++)
                {
                    Assert.Equal(expected[i], network.Nodes[i].Sequence[k], 1e-12);
                    compared++;
                }
            }
        }

        Assert.True(compared > 200 * Length);
    }

    [Fact]
    public void Advance_GraphOfOtherSize_Throws()
    {
        var network = new AggregationNetwork(2, 2);
        var graph = InterferenceGraph.ForAggregation(Gains(LineAmplitudes), 0.1);

        Assert.Throws<ArgumentException>(() => network.Advance(graph, AllActive, [1, 2, 3]));
    }

    private static GainMatrix Gains(double[,] amplitudes)
    {
        var n = amplitudes.GetLength(0);
        var gains = new GainMatrix(n, n);
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                gains[i, j] = amplitudes[i, j] * amplitudes[i, j];
            }
        }

        return gains;
    }

    private static double[] Apply(double[,] matrix, double[] vector)
    {
        var result = new double[vector.Length];
        for (var i = 0; i < vector.Length; i++)
        {
            for (var j = 0; j < vector.Length; j++)
            {
                result[i] += matrix[i, j] * vector[j];
            }
        }

        return result;
    }

    private static void AssertSequence(AggregationNetwork network, int node, params double[] expected)
    {
        var actual = network.Nodes[node].Sequence;
        Assert.Equal(expected.Length, actual.Length);
        for (var k = 0; k < expected.Length; k++)
        {
            Assert.Equal(expected[k], actual[k], 1e-12);
        }
    }
}
