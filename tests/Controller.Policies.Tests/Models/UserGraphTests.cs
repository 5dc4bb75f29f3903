using Controller.Policies.Models;
using Controller.Radio.Graphs;

namespace Controller.Policies.Tests.Models;

public sealed class UserGraphTests
{
    [Theory]
    [InlineData(4, 40, 1UL)]
    [InlineData(1, 5, 2UL)]
    [InlineData(7, 7, 3UL)]
    [InlineData(10, 100, 4UL)]
    public void Build_RandomNetwork_SameEdgesAndWeightsAsInterferenceGraphForUsers(int cells, int users, ulong seed)
    {
        var configuration = FixedConfiguration.Cellular(cells, users, seed);
        var constants = configuration.Constants;
        var expected = InterferenceGraph.ForUsers(configuration.Gains, configuration.ServingTransmitter, constants.Noise, constants.MaxPower);
        var graph = new UserGraph();

        graph.Build(configuration.Gains, configuration.ServingTransmitter, constants.Noise, constants.MaxPower);

        Assert.Equal(expected.Edges, graph.Edges);
        for (var destination = 0; destination < users; destination++)
        {
            for (var source = 0; source < users; source++)
            {
                var want = expected.Weight(source, destination);
                var got = graph.Weight(source, destination);
                Assert.Equal(want is null, got is null);
                if (want is { } w)
                {
                    Assert.True(Math.Abs(w - got!.Value) <= 1e-12 * Math.Max(1, Math.Abs(w)), $"edge {source} -> {destination}: {w:R} vs {got:R}");
                }
            }
        }
    }

    [Fact]
    public void Build_SmallerNetworkAfterLarger_ReusesBuffersAndForgetsTheOldOne()
    {
        var large = FixedConfiguration.Cellular(6, 50, 1);
        var small = FixedConfiguration.Cellular(2, 6, 2);
        var graph = new UserGraph();
        graph.Build(large.Gains, large.ServingTransmitter, large.Constants.Noise, large.Constants.MaxPower);

        graph.Build(small.Gains, small.ServingTransmitter, small.Constants.Noise, small.Constants.MaxPower);

        var expected = InterferenceGraph.ForUsers(small.Gains, small.ServingTransmitter, small.Constants.Noise, small.Constants.MaxPower);
        Assert.Equal(6, graph.Users);
        Assert.Equal(2, graph.Cells);
        Assert.Equal(12, graph.CellWeights.Length);
        Assert.Equal(expected.Edges, graph.Edges);
        Assert.Equal(expected.Weight(0, 1)!.Value, graph.Weight(0, 1) ?? double.NaN, 12);
    }

    [Fact]
    public void Build_RepeatedAtTheSameSize_AllocatesNothing()
    {
        var configuration = FixedConfiguration.Cellular(10, 100, 1);
        var graph = new UserGraph();
        graph.Build(configuration.Gains, configuration.ServingTransmitter, 1e-13, 10);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            graph.Build(configuration.Gains, configuration.ServingTransmitter, 1e-13, 10);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
