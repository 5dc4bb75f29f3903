using Controller.Optimization.Aggregation;
using Controller.Radio.Graphs;

namespace Controller.Grains;

/// <summary>
/// Runs paper 004's aggregation (Algorithm 1) through cell grains, one slot per <see cref="AdvanceAsync"/>:
/// each cell grain holds one <see cref="AggregationNode"/> and runs the recursion; this driver only carries
/// messages, exactly those of <see cref="AggregationNetwork"/> in its order — every active cell's K-1 scalars
/// to the cells whose neighbourhood holds it — so both produce the same numbers bit for bit for the same
/// graphs, activity and states. Each phase is one call per cell, all sent together: the slot starts
/// (broadcasts out), then each cell gets the batch of its active neighbours' broadcasts (<c>y_i(t)</c> back).
/// </summary>
public sealed class AggregationGrainRun
{
    private readonly ICellGrain[] _cells;
    private readonly string[] _cellIds;
    private readonly double[][] _broadcasts;
    private readonly double[][] _sequences;
    private readonly List<AggregationMessage>[] _inboxes;
    private readonly ValueTask<double[]>[] _calls;

    private AggregationGrainRun(IGrainFactory grains, IReadOnlyList<string> cellIds, int length)
    {
        _cellIds = [.. cellIds];
        _cells = [.. cellIds.Select(id => grains.GetGrain<ICellGrain>(id))];
        _broadcasts = new double[cellIds.Count][];
        _sequences = [.. cellIds.Select(_ => new double[length])];
        _inboxes = [.. cellIds.Select(_ => new List<AggregationMessage>())];
        _calls = new ValueTask<double[]>[cellIds.Count];
        Length = length;
    }

    /// <summary>K, the length of every cell's sequence.</summary>
    public int Length { get; }

    /// <summary>The cells, by node index (node i of the graphs is <c>CellIds[i]</c>).</summary>
    public IReadOnlyList<string> CellIds => _cellIds;

    /// <summary>Slots advanced so far.</summary>
    public int Slot { get; private set; }

    /// <summary>Scalars the cells broadcast in the last slot, as their grains returned them: (K-1) per active cell.</summary>
    public int ScalarsSentLastSlot { get; private set; }

    /// <summary>
    /// Joins the cells (their grains, keyed by <paramref name="cellIds"/>; node i is cell i) to a new run with
    /// sequences of length <paramref name="length"/> and all-zero histories. Throws <see cref="ArgumentException"/>
    /// for a missing or repeated cell id; a cell the control plane does not know fails on its first call.
    /// </summary>
    public static async Task<AggregationGrainRun> StartAsync(IGrainFactory grains, IReadOnlyList<string> cellIds, int length, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(cellIds);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        if (cellIds.Any(string.IsNullOrEmpty) || cellIds.Distinct(StringComparer.Ordinal).Count() != cellIds.Count)
        {
            throw new ArgumentException("Every node needs a cell id of its own.", nameof(cellIds));
        }

        var run = new AggregationGrainRun(grains, cellIds, length);
        await Task.WhenAll(run._cells.Select(c => c.AggregationJoinAsync(length, cancellationToken).AsTask())).ConfigureAwait(false);
        return run;
    }

    /// <summary><c>y_i(t)</c> as cell i returned it in the last slot (K zeros before the first).</summary>
    public IReadOnlyList<double> Sequence(int cell) => _sequences[cell];

    /// <summary>
    /// Advances every cell one slot, as <see cref="AggregationNetwork.Advance"/>: <paramref name="neighbours"/> is
    /// this slot's <see cref="InterferenceGraph.ForAggregation"/> (edge j -&gt; i weighted |h_ij|, self edges
    /// included), <paramref name="active"/> says which cells are in A(t), <paramref name="states"/> holds x_i(t)
    /// (read for active cells only). Edges from inactive cells carry nothing: those cells do not send. A grain's
    /// error ends the slot part-way (the grain that threw is unchanged, others may have moved): start the run again.
    /// </summary>
    public async Task AdvanceAsync(InterferenceGraph neighbours, IReadOnlyList<bool> active, IReadOnlyList<double> states, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(neighbours);
        ArgumentNullException.ThrowIfNull(active);
        ArgumentNullException.ThrowIfNull(states);
        if (neighbours.Nodes != _cells.Length || active.Count != _cells.Length || states.Count != _cells.Length)
        {
            throw new ArgumentException($"The graph, activity and states must all cover the {_cells.Length} cells.", nameof(neighbours));
        }

        // Phase 1: every cell starts the slot; the active ones return their broadcasts.
        await GrainCalls.CallAllAsync(_calls, i => _cells[i].AggregationBeginSlotAsync(states[i], active[i], cancellationToken), _broadcasts).ConfigureAwait(false);
        var sent = 0;
        for (var i = 0; i < _cells.Length; i++)
        {
            sent += _broadcasts[i].Length;
        }

        // Phase 2: each cell's batch holds its in-edges from active cells, in the graph's order (AggregationNetwork's).
        for (var i = 0; i < _cells.Length; i++)
        {
            var inbox = _inboxes[i];
            inbox.Clear();
            for (var e = neighbours.Offsets[i]; e < neighbours.Offsets[i + 1]; e++)
            {
                var source = neighbours.Sources[e];
                if (active[source])
                {
                    inbox.Add(new AggregationMessage(neighbours.Weights[e], _broadcasts[source]));
                }
            }
        }

        await GrainCalls.CallAllAsync(_calls, i => _cells[i].AggregationReceiveAsync(_inboxes[i], cancellationToken), _sequences).ConfigureAwait(false);
        ScalarsSentLastSlot = sent;
        Slot++;
    }
}
