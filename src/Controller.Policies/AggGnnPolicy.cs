using Controller.Optimization.Aggregation;
using Controller.Policies.Models;
using Controller.Radio;
using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Radio.Randomness;
using Controller.Radio.Scenarios;

namespace Controller.Policies;

/// <summary>
/// <c>agg-gnn:&lt;artifact&gt;</c>: paper 004's Agg-GNN as a policy for one-to-one links. Each transmitter keeps
/// an <see cref="AggregationNode"/> of the artifact's length K; every slot an active node observes its state
/// <c>x_i(t) = log2(1 + p0 G_ii / N0)</c> (p0 the artifact's), folds in the messages of its active neighbours
/// (<c>|h_ij| = sqrt(G_ij) &gt;= eta0</c>, weighted by |h_ij|, self included: the edges of
/// <see cref="Controller.Radio.Graphs.InterferenceGraph.ForAggregation"/>, walked without building the graph),
/// runs the model on its sequence and transmits at p0 (at most the configuration's Pmax) with probability
/// q_i, drawn from its own seeded stream. Inactive links are off. In the asynchronous setting
/// (<see cref="NetworkConfiguration.Awake"/>) only awake nodes send messages and decide; an asleep link keeps its last
/// power. No allocation per slot after the first.
/// </summary>
public sealed class AggGnnPolicy : IMaskablePolicy
{
    /// <summary>
    /// Added to the configuration index to name this policy's stream of <see cref="RandomStreams.Policy"/>, so
    /// that its draws are independent of random-full-power's (plain index) and ALCOR's (2^32 + index).
    /// </summary>
    public const ulong RandomStreamOffset = 2UL << 32;

    private readonly AggGnnDecider _decider;
    private AggregationNode[] _nodes = [];
    private double[] _states = [];
    private double[] _sequences = [];
    private double[] _probability = [];
    private bool[] _deciding = [];

    /// <summary>Creates the policy over shared <paramref name="weights"/>, with neighbour threshold <paramref name="edgeThreshold"/> (eta0) and draws from <paramref name="random"/>.</summary>
    public AggGnnPolicy(AggGnnWeights weights, double edgeThreshold, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(random);
        if (!(edgeThreshold >= 0) || double.IsInfinity(edgeThreshold))
        {
            throw new ArgumentOutOfRangeException(nameof(edgeThreshold), edgeThreshold, "eta0 must be finite and not negative.");
        }

        _decider = new AggGnnDecider(weights, random);
        EdgeThreshold = edgeThreshold;
    }

    /// <summary>eta0: the smallest amplitude |h_ij| kept as a neighbour edge.</summary>
    public double EdgeThreshold { get; }

    /// <summary>The nodes, one per transmitter (empty before the first slot).</summary>
    public IReadOnlyList<AggregationNode> Nodes => _nodes;

    /// <summary>q_i of the last slot per transmitter (0 for inactive links).</summary>
    public ReadOnlySpan<double> Probability => _probability;

    /// <summary>The policy for configuration <paramref name="configurationIndex"/> of a run with <paramref name="seed"/>, drawing from its own stream.</summary>
    public static AggGnnPolicy Create(AggGnnWeights weights, double edgeThreshold, ulong seed, int configurationIndex)
        => new(weights, edgeThreshold, SeededRandom.ForStream(seed, RandomStreams.Policy, RandomStreamOffset + (ulong)configurationIndex));

    /// <summary>
    /// Like <see cref="Decide(NetworkConfiguration, ProportionalFairSelector, SlotDecision)"/>, then switches off the
    /// links not marked in <paramref name="eligible"/> (ALCOR's off users): they still take part in the aggregation
    /// (their channel is measured and their messages sent), only their transmission is withheld.
    /// </summary>
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision, ReadOnlySpan<bool> eligible)
    {
        Decide(configuration, fairness, decision);
        AggGnnDecider.Withhold(decision, eligible);
    }

    /// <inheritdoc />
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(decision);
        var links = configuration.Transmitters;
        Follow(configuration);
        var length = _decider.SequenceLength;
        var gains = configuration.Gains;
        _decider.States(configuration, _states);
        AggGnnDecider.Deciding(configuration, _deciding);
        for (var i = 0; i < links; i++)
        {
            _nodes[i].BeginSlot(_deciding[i], _states[i]);
        }

        for (var i = 0; i < links; i++)
        {
            ReceiveFromNeighbours(_nodes[i], gains.Row(i), _deciding, _nodes, EdgeThreshold);
        }

        for (var i = 0; i < links; i++)
        {
            _nodes[i].Sequence.CopyTo(_sequences.AsSpan(i * length, length));
        }

        _decider.Decide(configuration, _sequences, decision, _probability);
        for (var i = 0; i < links; i++)
        {
            if (_deciding[i])
            {
                _nodes[i].Decide(decision.Power[i]);
            }
        }
    }

    /// <summary>
    /// One node's part of the exchange, as <see cref="AggregationNetwork"/> runs it edge for edge: folds into
    /// <paramref name="node"/> the outgoing messages of every active source j whose amplitude
    /// <c>|h_ij| = sqrt(<paramref name="gains"/>[j])</c> is positive and at least <paramref name="edgeThreshold"/>,
    /// in ascending j (inactive sources are silent). <paramref name="gains"/> is the node's row of the gain matrix.
    /// </summary>
    public static void ReceiveFromNeighbours(AggregationNode node, ReadOnlySpan<double> gains, ReadOnlySpan<bool> active, ReadOnlySpan<AggregationNode> sources, double edgeThreshold)
    {
        ArgumentNullException.ThrowIfNull(node);
        for (var j = 0; j < gains.Length; j++)
        {
            var amplitude = Math.Sqrt(gains[j]);
            if (active[j] && amplitude >= edgeThreshold && amplitude > 0)
            {
                node.Receive(amplitude, sources[j].Outgoing);
            }
        }
    }

    private void Follow(NetworkConfiguration configuration)
    {
        var links = configuration.Transmitters;
        if (_nodes.Length == links)
        {
            return;
        }

        AggGnnDecider.RequireOneToOne(configuration);
        var length = _decider.SequenceLength;
        _nodes = new AggregationNode[links];
        for (var i = 0; i < links; i++)
        {
            _nodes[i] = new AggregationNode(length);
        }

        _states = new double[links];
        _sequences = new double[links * length];
        _probability = new double[links];
        _deciding = new bool[links];
    }
}
