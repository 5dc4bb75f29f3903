using Controller.Policies.Models;
using Controller.Radio;
using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Radio.Randomness;
using Controller.Radio.Scenarios;

namespace Controller.Policies;

/// <summary>
/// <c>sel-gnn:&lt;artifact&gt;</c>: the centralized selection GNN that paper 004 compares its Agg-GNN with (its reference
/// [16]), as a policy for one-to-one links. Unlike the Agg-GNN it sees the whole current channel at once: each slot
/// <see cref="SelGnnModel"/> runs on the region's gain matrix and every deciding link (active and awake) transmits at p0
/// (at most the configuration's Pmax) with its probability q_i, drawn from the policy's own seeded stream. Inactive links
/// are off; an asleep link keeps its last power, as under <see cref="AggGnnPolicy"/>, so both are executed alike.
/// </summary>
public sealed class SelGnnPolicy : IMaskablePolicy
{
    /// <summary>Added to the configuration index to name this policy's stream of <see cref="RandomStreams.Policy"/> (Agg-GNN uses 2^33).</summary>
    public const ulong RandomStreamOffset = 3UL << 32;

    private readonly SelGnnModel _model;
    private readonly SeededRandom _random;
    private double[] _gains = [];
    private bool[] _deciding = [];
    private double[] _probability = [];
    private double[] _lastPower = [];

    /// <summary>Creates the policy over shared <paramref name="weights"/>, drawing from <paramref name="random"/>.</summary>
    public SelGnnPolicy(SelGnnWeights weights, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(random);
        _model = new SelGnnModel(weights);
        _random = random;
    }

    /// <summary>q_i of the last slot per transmitter (0 for the links that did not decide).</summary>
    public ReadOnlySpan<double> Probability => _probability;

    /// <summary>The policy for configuration <paramref name="configurationIndex"/> of a run with <paramref name="seed"/>, drawing from its own stream.</summary>
    public static SelGnnPolicy Create(SelGnnWeights weights, ulong seed, int configurationIndex)
        => new(weights, SeededRandom.ForStream(seed, RandomStreams.Policy, RandomStreamOffset + (ulong)configurationIndex));

    /// <inheritdoc />
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision)
        => Decide(configuration, fairness, decision, []);

    /// <summary>Like <see cref="Decide(NetworkConfiguration, ProportionalFairSelector, SlotDecision)"/>, with the links not marked in <paramref name="eligible"/> withheld (empty: all eligible).</summary>
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision, ReadOnlySpan<bool> eligible)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(decision);
        var links = configuration.Transmitters;
        if (_deciding.Length != links)
        {
            AggGnnDecider.RequireOneToOne(configuration);
            _gains = new double[links * links];
            _deciding = new bool[links];
            _probability = new double[links];
            _lastPower = new double[links];
        }

        var gains = configuration.Gains;
        for (var i = 0; i < links; i++)
        {
            gains.Row(i).CopyTo(_gains.AsSpan(i * links, links));
        }

        AggGnnDecider.Deciding(configuration, _deciding);
        _model.Run(links, _gains, configuration.Constants.Noise, _deciding, _probability);
        Array.Fill(decision.ServedReceiver, -1);
        Array.Clear(decision.Power);
        var active = configuration.Active;
        var power = Math.Min(_model.Weights.Hyperparameters.P0, configuration.Constants.MaxPower);
        for (var i = 0; i < links; i++)
        {
            if (_deciding[i])
            {
                var on = _random.NextBernoulli(_probability[i]);
                decision.Power[i] = on ? power : 0;
            }
            else
            {
                _probability[i] = 0;
                decision.Power[i] = active[i] ? _lastPower[i] : 0;
            }

            decision.ServedReceiver[i] = decision.Power[i] > 0 ? i : -1;
        }

        decision.Power.AsSpan(0, links).CopyTo(_lastPower);
        AggGnnDecider.Withhold(decision, eligible);
    }
}
