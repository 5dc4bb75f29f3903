using Controller.Grains.Inference;
using Controller.Policies;
using Controller.Policies.Models;
using Controller.Radio.Allocation;
using Controller.Radio.Graphs;
using Controller.Radio.Policies;
using Controller.Radio.Randomness;
using Controller.Radio.Scenarios;

namespace Controller.Grains;

/// <summary>
/// <c>agg-gnn:NAME</c> as a region runs it, decentralized as in paper 004: each cell grain holds its link's
/// aggregation node, and every slot the active cells exchange their K-1 scalars with the cells whose
/// neighbourhood holds them (<see cref="AggregationGrainRun"/>: one batched call per cell to start the slot, one to
/// receive); the region only carries the messages, then runs the CNN on the cells' sequences and draws each link's
/// transmission (<see cref="AggGnnDecider"/>). Same decisions, bit for bit, as <see cref="AggGnnPolicy"/> with its
/// own nodes on the same stream. A cell that lost its history (deactivated) fails the slot; the next slot starts the
/// aggregation again from zero histories.
/// </summary>
internal sealed class CellAggGnnPolicy(IGrainFactory grains, IReadOnlyList<string> cellIds, AggGnnWeights weights, double edgeThreshold, SeededRandom random) : IAsyncAllocationPolicy
{
    private readonly AggGnnDecider _decider = new(weights, random);
    private AggregationGrainRun? _run;
    private double[] _states = [];
    private double[] _sequences = [];
    private double[] _probability = [];
    private bool[] _deciding = [];

    /// <summary>eta0: the smallest amplitude |h_ij| kept as a neighbour edge.</summary>
    public double EdgeThreshold => edgeThreshold;

    /// <summary>q_i of the last slot per link (0 for inactive ones).</summary>
    public ReadOnlySpan<double> Probability => _probability;

    /// <summary>The policy of region <paramref name="regionIndex"/>, on the stream <see cref="AggGnnPolicy.Create"/> gives it.</summary>
    public static CellAggGnnPolicy Create(IGrainFactory grains, IReadOnlyList<string> cellIds, AggGnnWeights weights, double edgeThreshold, ulong seed, int regionIndex)
        => new(grains, cellIds, weights, edgeThreshold, SeededRandom.ForStream(seed, RandomStreams.Policy, AggGnnPolicy.RandomStreamOffset + (ulong)regionIndex));

    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision) =>
        throw new NotSupportedException("This policy exchanges the aggregation messages through cell grains; regions call DecideAsync.");

    public async Task DecideAsync(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(decision);
        AggGnnDecider.RequireOneToOne(configuration);
        var links = configuration.Transmitters;
        if (links != cellIds.Count)
        {
            throw new ArgumentException($"The region has {cellIds.Count} cells but its slot has {links} links; Agg-GNN needs one link per cell.", nameof(configuration));
        }

        var length = _decider.SequenceLength;
        if (_states.Length != links)
        {
            _states = new double[links];
            _sequences = new double[links * length];
            _probability = new double[links];
            _deciding = new bool[links];
        }

        _run ??= await AggregationGrainRun.StartAsync(grains, cellIds, length, cancellationToken);
        _decider.States(configuration, _states);
        try
        {
            AggGnnDecider.Deciding(configuration, _deciding);
            await _run.AdvanceAsync(InterferenceGraph.ForAggregation(configuration.Gains, edgeThreshold), _deciding, _states, cancellationToken);
        }
        catch (InvalidOperationException)
        {
            // A cell was deactivated and lost its history: join everyone again before the next slot.
            _run = null;
            throw;
        }

        for (var i = 0; i < links; i++)
        {
            var sequence = _run.Sequence(i);
            for (var k = 0; k < length; k++)
            {
                _sequences[(i * length) + k] = sequence[k];
            }
        }

        _decider.Decide(configuration, _sequences, decision, _probability);
    }
}
