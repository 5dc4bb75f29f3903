using Controller.Policies.Models;
using Controller.Radio;
using Controller.Radio.Policies;
using Controller.Radio.Randomness;
using Controller.Radio.Scenarios;

namespace Controller.Policies;

/// <summary>
/// Paper 004's Agg-GNN decision once the aggregation is done, whoever ran it (the policy's own nodes in one region,
/// or cell grains exchanging the messages): the node states <c>x_i(t) = log2(1 + p0 G_ii / N0)</c> that start a slot,
/// and, from every node's sequence <c>y_i(t)</c>, the CNN's probability q_i for each active node (one batched run) and
/// its Bernoulli draw, in node order from one seeded stream. No allocation per slot after the first.
/// </summary>
public sealed class AggGnnDecider
{
    private readonly AggGnnModel _model;
    private readonly SeededRandom _random;
    private double[] _activeSequences = [];
    private double[] _activeProbability = [];
    private int[] _activeNodes = [];
    private double[] _lastPower = [];

    /// <summary>Decides with the model of <paramref name="weights"/>, drawing from <paramref name="random"/>.</summary>
    public AggGnnDecider(AggGnnWeights weights, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(random);
        _model = new AggGnnModel(weights);
        _random = random;
    }

    /// <summary>K, the length of every node's sequence.</summary>
    public int SequenceLength => _model.Weights.Hyperparameters.SequenceLength;

    /// <summary>Throws <see cref="RadioInputException"/> unless receiver i is served by transmitter i for every i.</summary>
    public static void RequireOneToOne(NetworkConfiguration configuration) => RequireOneToOne(configuration, "Agg-GNN policies", "agg-gnn");

    /// <summary>Throws <see cref="RadioInputException"/> naming <paramref name="who"/> (and the scenario they run on) unless receiver i is served by transmitter i for every i.</summary>
    public static void RequireOneToOne(NetworkConfiguration configuration, string who, string scenario)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var serving = configuration.ServingTransmitter;
        if (!configuration.OneToOne || serving.Length != configuration.Transmitters)
        {
            throw new RadioInputException($"{who} decide for one-to-one links (receiver i served by transmitter i), as in the {scenario} scenario; this configuration has users sharing transmitters.");
        }

        for (var i = 0; i < serving.Length; i++)
        {
            if (serving[i] != i)
            {
                throw new RadioInputException($"{who} need receiver i served by transmitter i; receiver {i} is served by transmitter {serving[i]}.");
            }
        }
    }

    /// <summary>
    /// Switches off the links not marked in <paramref name="eligible"/> (empty: all eligible), after a one-to-one policy
    /// decided: what ALCOR's eligibility mask means for <see cref="AggGnnPolicy"/> and <see cref="SelGnnPolicy"/>.
    /// </summary>
    public static void Withhold(SlotDecision decision, ReadOnlySpan<bool> eligible)
    {
        ArgumentNullException.ThrowIfNull(decision);
        for (var i = 0; i < eligible.Length; i++)
        {
            if (!eligible[i])
            {
                decision.Power[i] = 0;
                decision.ServedReceiver[i] = -1;
            }
        }
    }

    /// <summary>
    /// Marks in <paramref name="deciding"/> the nodes in A(t), those that observe, send and decide this slot: active
    /// (the link has traffic) and awake (<see cref="NetworkConfiguration.Awake"/>).
    /// </summary>
    public static void Deciding(NetworkConfiguration configuration, Span<bool> deciding)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var active = configuration.Active;
        var awake = configuration.Awake;
        for (var i = 0; i < configuration.Transmitters; i++)
        {
            deciding[i] = active[i] && awake[i];
        }
    }

    /// <summary>Fills <paramref name="states"/> with every node's <c>x_i(t) = log2(1 + p0 G_ii / N0)</c> (p0 the artifact's).</summary>
    public void States(NetworkConfiguration configuration, Span<double> states)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var p0 = _model.Weights.Hyperparameters.P0;
        var gains = configuration.Gains;
        var noise = configuration.Constants.Noise;
        for (var i = 0; i < configuration.Transmitters; i++)
        {
            states[i] = Math.Log2(1 + (p0 * gains[i, i] / noise));
        }
    }

    /// <summary>
    /// Runs the model on the rows of <paramref name="sequences"/> (node i's <c>y_i(t)</c> at <c>[i K, (i + 1) K)</c>)
    /// of the nodes that decide this slot, those active and awake, and draws each one's transmission: p0 (at most
    /// Pmax) with probability q_i, else off. Inactive links (no traffic) are off; an asleep link keeps the power it
    /// had in its last slot (<c>p_i(t) = p_i(t-1)</c>, paper 004 Sec. VI-B; off before its first decision).
    /// <paramref name="probability"/> gets q_i per node (0 for the nodes that did not decide).
    /// </summary>
    public void Decide(NetworkConfiguration configuration, ReadOnlySpan<double> sequences, SlotDecision decision, Span<double> probability)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(decision);
        var links = configuration.Transmitters;
        var length = SequenceLength;
        if (_activeNodes.Length != links)
        {
            _activeSequences = new double[links * length];
            _activeProbability = new double[links];
            _activeNodes = new int[links];
            _lastPower = new double[links];
        }

        var active = configuration.Active;
        var awake = configuration.Awake;
        var count = 0;
        for (var i = 0; i < links; i++)
        {
            if (active[i] && awake[i])
            {
                sequences.Slice(i * length, length).CopyTo(_activeSequences.AsSpan(count * length, length));
                _activeNodes[count++] = i;
            }
        }

        _model.Run(_activeSequences.AsSpan(0, count * length), _activeProbability.AsSpan(0, count));
        Array.Fill(decision.ServedReceiver, -1);
        Array.Clear(decision.Power);
        probability[..links].Clear();
        for (var i = 0; i < links; i++)
        {
            if (active[i] && !awake[i] && _lastPower[i] > 0)
            {
                decision.Power[i] = _lastPower[i];
                decision.ServedReceiver[i] = i;
            }
        }

        var power = Math.Min(_model.Weights.Hyperparameters.P0, configuration.Constants.MaxPower);
        for (var k = 0; k < count; k++)
        {
            var i = _activeNodes[k];
            probability[i] = _activeProbability[k];
            var on = _random.NextBernoulli(_activeProbability[k]);
            decision.Power[i] = on ? power : 0;
            decision.ServedReceiver[i] = on ? i : -1;
        }

        decision.Power.AsSpan(0, links).CopyTo(_lastPower);
    }
}
