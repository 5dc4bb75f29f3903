using Controller.Radio.Graphs;

namespace Controller.Optimization.Aggregation;

/// <summary>
/// All nodes of paper 004's aggregation advanced together, one slot per <see cref="Advance"/>, with exactly
/// the messages a decentralized run exchanges: each active node broadcasts K-1 scalars; every node folds in
/// the broadcasts of its active in-neighbours. The result is
/// <c>y^(k)(t) = Htil(t) Htil(t-1) ... Htil(t-k+1) xbar(t-k)</c> (eq. 11) with
/// <c>Htil(t)[i, j] = |h_ij(t)|</c> when j is active at t and <c>|h_ij(t)| &gt;= eta0</c>, else 0 — the paper's
/// <c>H o Q</c>, whose masked columns are the nodes that did not send — and <c>xbar_i(t)</c> the last state node
/// i observed while active (0 before its first active slot). With every node active this is eq. 11 as printed.
/// </summary>
public sealed class AggregationNetwork
{
    private readonly AggregationNode[] _nodes;

    /// <summary>Creates <paramref name="nodes"/> nodes with sequences of length <paramref name="length"/> (K).</summary>
    public AggregationNetwork(int nodes, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodes);
        _nodes = new AggregationNode[nodes];
        for (var i = 0; i < nodes; i++)
        {
            _nodes[i] = new AggregationNode(length);
        }

        Length = length;
    }

    /// <summary>K.</summary>
    public int Length { get; }

    /// <summary>The nodes, by index.</summary>
    public IReadOnlyList<AggregationNode> Nodes => _nodes;

    /// <summary>Slots advanced so far.</summary>
    public int Slot { get; private set; }

    /// <summary>Scalars broadcast in the last slot: (K-1) per active node.</summary>
    public int ScalarsSentLastSlot { get; private set; }

    /// <summary>
    /// Advances every node one slot. <paramref name="neighbours"/> is this slot's sparsified channel graph,
    /// <see cref="InterferenceGraph.ForAggregation"/> of the current gains and eta0 (edge j -&gt; i weighted
    /// |h_ij|, self edges included); edges from inactive sources are skipped, as those nodes do not send.
    /// </summary>
    public void Advance(InterferenceGraph neighbours, ReadOnlySpan<bool> active, ReadOnlySpan<double> states)
    {
        ArgumentNullException.ThrowIfNull(neighbours);
        if (neighbours.Nodes != _nodes.Length || active.Length != _nodes.Length || states.Length != _nodes.Length)
        {
            throw new ArgumentException($"The graph, activity and states must all cover the {_nodes.Length} nodes.", nameof(neighbours));
        }

        for (var i = 0; i < _nodes.Length; i++)
        {
            _nodes[i].BeginSlot(active[i], states[i]);
        }

        var sent = 0;
        for (var i = 0; i < _nodes.Length; i++)
        {
            sent += active[i] ? Length - 1 : 0;
            for (var e = neighbours.Offsets[i]; e < neighbours.Offsets[i + 1]; e++)
            {
                var source = neighbours.Sources[e];
                if (active[source])
                {
                    _nodes[i].Receive(neighbours.Weights[e], _nodes[source].Outgoing);
                }
            }
        }

        ScalarsSentLastSlot = sent;
        Slot++;
    }
}
