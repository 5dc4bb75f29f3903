using Controller.Optimization.Aggregation;

namespace Controller.Optimization.Tests.Aggregation;

public sealed class AggregationNodeTests
{
    [Fact]
    public void BeginSlot_Active_ObservesStateAndClearsAggregates()
    {
        var node = new AggregationNode(3);
        node.BeginSlot(active: true, state: 2);
        node.Receive(0.5, [4, 6]);

        node.BeginSlot(active: true, state: 7);

        Assert.Equal([7.0, 0, 0], node.Sequence.ToArray());
        Assert.Equal([2.0, 2], node.Outgoing.ToArray());
    }

    [Fact]
    public void BeginSlot_Inactive_KeepsLastObservedState()
    {
        var node = new AggregationNode(2);
        node.BeginSlot(active: true, state: 3);

        node.BeginSlot(active: false, state: 99);
        node.BeginSlot(active: false, state: double.NaN);

        Assert.Equal(3, node.Sequence[0]);
        Assert.False(node.Active);
    }

    [Fact]
    public void Receive_TwoNeighbours_SumsAmplitudeWeightedMessages()
    {
        var node = new AggregationNode(3);
        node.BeginSlot(active: false, state: 0);

        node.Receive(0.5, [2, 4]);
        node.Receive(2, [1, -1]);

        // y^(1) = 0.5 * 2 + 2 * 1, y^(2) = 0.5 * 4 + 2 * -1.
        Assert.Equal([0.0, 3, 0], node.Sequence.ToArray());
    }

    [Fact]
    public void Receive_WrongMessageLength_Throws()
    {
        var node = new AggregationNode(3);

        Assert.Throws<ArgumentException>(() => node.Receive(1, [1, 2, 3]));
    }

    [Fact]
    public void Outgoing_LengthOne_IsEmpty()
    {
        var node = new AggregationNode(1);
        node.BeginSlot(true, 1);

        Assert.Equal(0, node.Outgoing.Length);
        node.Receive(1, []);
        Assert.Equal([1.0], node.Sequence.ToArray());
    }

    [Fact]
    public void Decide_Inactive_ThrowsAndKeepsPreviousDecision()
    {
        var node = new AggregationNode(2);
        node.BeginSlot(true, 1);
        node.Decide(0.7);
        node.BeginSlot(false, 0);

        Assert.Throws<InvalidOperationException>(() => node.Decide(0.1));
        Assert.Equal(0.7, node.Decision);
    }

    [Fact]
    public void BeginSlot_ActiveWithNaNState_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AggregationNode(2).BeginSlot(true, double.NaN));
    }

    [Fact]
    public void Constructor_ZeroLength_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AggregationNode(0));
    }
}
