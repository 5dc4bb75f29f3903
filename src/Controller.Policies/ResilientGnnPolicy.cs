using Controller.Policies.Models;
using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

namespace Controller.Policies;

/// <summary>
/// <c>gnn:&lt;artifact&gt;</c>: paper 003's resilient GNN as a policy. Every slot it builds the user graph from
/// the configuration's gains, takes each user's feature <c>log(1 + fhat_j / max(fbar_j, 1e-9))</c> from the
/// proportional-fair selector (its ratios, computed by <see cref="ProportionalFairSelector.Select(NetworkConfiguration, Span{int})"/>
/// from the averages the evaluator or grain keeps; 0 for inactive users), runs the model, and lets each AP
/// serve the active user of its cell with the largest selection probability (ties: lowest index) at the power
/// head's power. APs whose cell has no active user are off. No allocation per slot once the network's size
/// has been seen.
/// </summary>
public sealed class ResilientGnnPolicy : IMaskablePolicy
{
    private readonly ResilientGnnModel _model;
    private readonly UserGraph _graph = new();
    private readonly ResilientGnnBatch _batch = new();
    private int[] _proportionalFairChoice = [];
    private double[] _features = [];
    private bool[] _eligibleActive = [];

    /// <summary>Creates the policy over shared <paramref name="weights"/>.</summary>
    public ResilientGnnPolicy(ResilientGnnWeights weights) => _model = new ResilientGnnModel(weights);

    /// <summary>The model (its outputs are those of the last slot).</summary>
    public ResilientGnnModel Model => _model;

    /// <summary>The user graph of the last slot.</summary>
    public UserGraph Graph => _graph;

    /// <summary>The node features of the last slot, one per user.</summary>
    public ReadOnlySpan<double> Features => _features;

    /// <inheritdoc />
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision)
        => Decide(configuration, fairness, decision, eligible: default);

    /// <summary>
    /// Like <see cref="Decide(NetworkConfiguration, ProportionalFairSelector, SlotDecision)"/>, treating users not
    /// marked in <paramref name="eligible"/> (ALCOR's off users) as inactive: feature 0, never selected.
    /// </summary>
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision, ReadOnlySpan<bool> eligible)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(fairness);
        ArgumentNullException.ThrowIfNull(decision);
        var users = configuration.Receivers;
        if (_features.Length != users)
        {
            _features = new double[users];
        }

        if (_proportionalFairChoice.Length != configuration.Transmitters)
        {
            _proportionalFairChoice = new int[configuration.Transmitters];
        }

        ComputeFeatures(configuration, fairness, eligible, _proportionalFairChoice, _features);

        var constants = configuration.Constants;
        ReadOnlySpan<bool> active = configuration.Active;
        if (!eligible.IsEmpty)
        {
            if (_eligibleActive.Length != users)
            {
                _eligibleActive = new bool[users];
            }

            for (var j = 0; j < users; j++)
            {
                _eligibleActive[j] = active[j] && eligible[j];
            }

            active = _eligibleActive;
        }

        _graph.Build(configuration.Gains, configuration.ServingTransmitter, constants.Noise, constants.MaxPower);
        _batch.Clear();
        _batch.Add(_graph, _features, active, constants.MaxPower);
        _model.Run(_batch);
        Apply(_model.Selection, _model.Power, configuration.ServingTransmitter, active, constants.MaxPower, decision);
    }

    /// <summary>
    /// The contract's node features: <c>log(1 + fhat_j / max(fbar_j, 1e-9))</c> from the selector's ratios, 0 for
    /// inactive users and those not in <paramref name="eligible"/> (empty: all). <paramref name="choice"/> is
    /// scratch space of one entry per transmitter (the selector's own choice is not used).
    /// </summary>
    public static void ComputeFeatures(NetworkConfiguration configuration, ProportionalFairSelector fairness, ReadOnlySpan<bool> eligible, Span<int> choice, Span<double> features)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(fairness);
        fairness.Select(configuration, choice, eligible);
        var ratio = fairness.Ratio;
        for (var j = 0; j < features.Length; j++)
        {
            features[j] = double.LogP1(ratio[j]);
        }
    }

    /// <summary>
    /// Turns one graph's model outputs into a decision: AP i serves the active user of cell i with the largest
    /// selection probability (ties: lowest index) at <paramref name="power"/>[i] (clamped to [0, Pmax]); APs
    /// without an active user are off.
    /// </summary>
    public static void Apply(ReadOnlySpan<double> selection, ReadOnlySpan<double> power, ReadOnlySpan<int> servingTransmitter, ReadOnlySpan<bool> active, double maxPower, SlotDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var served = decision.ServedReceiver;
        Array.Fill(served, -1);
        Array.Clear(decision.Power);
        for (var j = 0; j < servingTransmitter.Length; j++)
        {
            if (!active[j])
            {
                continue;
            }

            var cell = servingTransmitter[j];
            // Users are visited in index order, so a strict comparison keeps the lowest index on ties.
            if (served[cell] < 0 || selection[j] > selection[served[cell]])
            {
                served[cell] = j;
            }
        }

        for (var cell = 0; cell < served.Length; cell++)
        {
            decision.Power[cell] = served[cell] < 0 ? 0 : Math.Clamp(power[cell], 0, maxPower);
        }
    }
}
