using Controller.Radio.Allocation;
using Controller.Radio.Scenarios;

namespace Controller.Radio.Policies;

/// <summary>
/// Decides user selection and powers for one configuration, slot after slot. An instance follows one
/// configuration (it may keep state between slots) and is used by one caller at a time.
/// </summary>
public interface IAllocationPolicy
{
    /// <summary>
    /// Fills <paramref name="decision"/> for the configuration's current slot. <paramref name="fairness"/>
    /// holds the rate averages the evaluator maintains (PF ratios, priorities).
    /// </summary>
    void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision);

    /// <summary>
    /// Feedback after the slot: the rate each receiver achieved with this slot's decision. Policies with
    /// state that learns online (ALCOR's duals, say) update it here; others ignore it.
    /// </summary>
    void Learn(NetworkConfiguration configuration, ReadOnlySpan<double> receiverRates)
    {
    }
}

/// <summary>
/// A policy that can be told which receivers may be served this slot (the others are treated as having no
/// traffic): what a wrapper such as ALCOR needs from the policy it switches users on and off for.
/// </summary>
public interface IMaskablePolicy : IAllocationPolicy
{
    /// <summary>Like <see cref="IAllocationPolicy.Decide"/>, serving only receivers marked in <paramref name="eligible"/> (empty: all).</summary>
    void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision, ReadOnlySpan<bool> eligible);
}

/// <summary>
/// A classic baseline: PF user selection (trivial for one-to-one links: every active link) followed by a
/// power allocator over the selected links.
/// </summary>
public sealed class SelectThenAllocatePolicy(IPowerAllocator allocator) : IMaskablePolicy
{
    private readonly LinkSet _links = new();
    private double[] _linkPower = [];

    /// <inheritdoc />
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision)
        => Decide(configuration, fairness, decision, eligible: default);

    /// <summary>Like <see cref="Decide(NetworkConfiguration, ProportionalFairSelector, SlotDecision)"/>, serving only receivers marked in <paramref name="eligible"/>.</summary>
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision, ReadOnlySpan<bool> eligible)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(fairness);
        ArgumentNullException.ThrowIfNull(decision);
        fairness.Select(configuration, decision.ServedReceiver, eligible);
        var constants = configuration.Constants;
        _links.Build(configuration.Gains, decision.ServedReceiver, fairness.Ratio, constants.Noise, constants.MaxPower, constants.PowerBudget);
        if (_linkPower.Length < _links.Count)
        {
            _linkPower = new double[_links.Count];
        }

        allocator.Allocate(_links, _linkPower);
        Array.Clear(decision.Power);
        var transmitters = _links.Transmitter;
        for (var k = 0; k < _links.Count; k++)
        {
            decision.Power[transmitters[k]] = _linkPower[k];
        }
    }
}
