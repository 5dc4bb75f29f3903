using Controller.Radio.Allocation;
using Controller.Radio.Channels;
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
/// power allocator over the selected links. With a channel delay D &gt; 0 it decides from the gains of D
/// decisions earlier (the first D decisions use the first slot's), as a distributed method does whose
/// channel information takes D exchange rounds to arrive; its powers then meet the current channel.
/// </summary>
public sealed class SelectThenAllocatePolicy : IMaskablePolicy
{
    private readonly IPowerAllocator _allocator;
    private readonly LinkSet _links = new();
    private readonly int _channelDelay;
    private double[] _linkPower = [];

    // Ring of the last channelDelay + 1 channels, allocated on the first decision.
    private GainMatrix[] _history = [];
    private long _decisions;

    /// <summary>A policy that decides from the current channel.</summary>
    public SelectThenAllocatePolicy(IPowerAllocator allocator)
        : this(allocator, channelDelay: 0)
    {
    }

    /// <summary>A policy that decides from the channel of <paramref name="channelDelay"/> decisions earlier.</summary>
    public SelectThenAllocatePolicy(IPowerAllocator allocator, int channelDelay)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        ArgumentOutOfRangeException.ThrowIfNegative(channelDelay);
        _allocator = allocator;
        _channelDelay = channelDelay;
    }

    /// <summary>How many decisions old the channel is that this policy decides from.</summary>
    public int ChannelDelay => _channelDelay;

    /// <inheritdoc />
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision)
        => Decide(configuration, fairness, decision, eligible: default);

    /// <summary>Like <see cref="Decide(NetworkConfiguration, ProportionalFairSelector, SlotDecision)"/>, serving only receivers marked in <paramref name="eligible"/>.</summary>
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision, ReadOnlySpan<bool> eligible)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(fairness);
        ArgumentNullException.ThrowIfNull(decision);
        var gains = _channelDelay == 0 ? configuration.Gains : RememberAndRecall(configuration.Gains);
        fairness.Select(configuration, gains, decision.ServedReceiver, eligible);
        var constants = configuration.Constants;
        _links.Build(gains, decision.ServedReceiver, fairness.Ratio, constants.Noise, constants.MaxPower, constants.PowerBudget);
        if (_linkPower.Length < _links.Count)
        {
            _linkPower = new double[_links.Count];
        }

        _allocator.Allocate(_links, _linkPower);
        Array.Clear(decision.Power);
        var transmitters = _links.Transmitter;
        for (var k = 0; k < _links.Count; k++)
        {
            decision.Power[transmitters[k]] = _linkPower[k];
        }
    }

    /// <summary>Stores this decision's channel and returns the one of <see cref="ChannelDelay"/> decisions earlier.</summary>
    private GainMatrix RememberAndRecall(GainMatrix current)
    {
        // A network that changes shape (a live region whose topology changed) starts its history again.
        if (_history.Length == 0 || _history[0].Receivers != current.Receivers || _history[0].Transmitters != current.Transmitters)
        {
            _decisions = 0;
            _history = new GainMatrix[_channelDelay + 1];
            for (var i = 0; i < _history.Length; i++)
            {
                _history[i] = new GainMatrix(current.Receivers, current.Transmitters);
            }
        }

        current.CopyTo(_history[_decisions % _history.Length]);
        var recalled = Math.Max(0, _decisions - _channelDelay);
        _decisions++;
        return _history[recalled % _history.Length];
    }
}
