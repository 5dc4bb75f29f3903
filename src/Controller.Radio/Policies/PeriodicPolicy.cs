using Controller.Radio.Allocation;
using Controller.Radio.Scenarios;

namespace Controller.Radio.Policies;

/// <summary>
/// <c>every:D(inner)</c>: the inner policy decides on every D-th slot (the first, then D later, ...) and its decision
/// is held unchanged in between, as for the baselines of paper 004's asynchronous setting (Sec. VI-B), which
/// update "every m / lambda = 2 time slots". Feedback reaches the inner policy every slot.
/// </summary>
public sealed class PeriodicPolicy : IAllocationPolicy
{
    private readonly IAllocationPolicy _inner;
    private double[] _power = [];
    private int[] _served = [];
    private double[]? _beams;
    private long _slots;

    /// <summary>Wraps <paramref name="inner"/>, letting it decide once every <paramref name="period"/> slots.</summary>
    public PeriodicPolicy(IAllocationPolicy inner, int period)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        _inner = inner;
        Period = period;
    }

    /// <summary>D: slots between two decisions of the inner policy.</summary>
    public int Period { get; }

    /// <inheritdoc />
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (_slots++ % Period == 0 || _power.Length != decision.Power.Length)
        {
            _inner.Decide(configuration, fairness, decision);
            if (_power.Length != decision.Power.Length)
            {
                _power = new double[decision.Power.Length];
                _served = new int[decision.ServedReceiver.Length];
            }

            decision.Power.CopyTo(_power, 0);
            decision.ServedReceiver.CopyTo(_served, 0);
            _beams = decision.Beams;
            return;
        }

        _power.CopyTo(decision.Power, 0);
        _served.CopyTo(decision.ServedReceiver, 0);
        // An ISAC design is held too (policies replace the array on every decision, so keeping the reference is safe).
        decision.Beams = _beams;
    }

    /// <inheritdoc />
    public void Learn(NetworkConfiguration configuration, ReadOnlySpan<double> receiverRates) => _inner.Learn(configuration, receiverRates);
}
