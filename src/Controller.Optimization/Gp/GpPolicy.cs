using Controller.Radio;
using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

namespace Controller.Optimization.Gp;

/// <summary>
/// <c>gp</c>: paper 001's geometric-programming benchmark (<see cref="GeometricProgramming"/>) as a policy for one-to-one
/// links. Every slot it checks whether the configuration's demands can be met among the active (and, under a mask,
/// eligible) links; when they can it transmits the GP powers, which meet every demand in that slot; when they cannot it
/// has no solution, transmits nothing and counts the slot in <see cref="InfeasibleSlots"/> (the paper compares GP only
/// on feasible channels).
/// </summary>
public sealed class GpPolicy : IMaskablePolicy
{
    private double[] _gains = [];
    private bool[] _on = [];
    private double[] _power = [];

    /// <summary>Slots whose demands could be met.</summary>
    public long FeasibleSlots { get; private set; }

    /// <summary>Slots without a solution (transmitted nothing).</summary>
    public long InfeasibleSlots { get; private set; }

    /// <summary>The last slot's feasibility check, or null before the first.</summary>
    public GpFeasibility? LastCheck { get; private set; }

    /// <inheritdoc />
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision)
        => Decide(configuration, fairness, decision, []);

    /// <inheritdoc />
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision, ReadOnlySpan<bool> eligible)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(decision);
        var n = configuration.Transmitters;
        if (_on.Length != n)
        {
            if (!configuration.OneToOne || configuration.Receivers != n)
            {
                throw new RadioInputException("The gp policy decides for one-to-one links (receiver i served by transmitter i), as in the gaussian-ic scenario.");
            }

            _gains = new double[n * n];
            _on = new bool[n];
            _power = new double[n];
        }

        configuration.Gains.Values.CopyTo(_gains);
        var active = configuration.Active;
        for (var i = 0; i < n; i++)
        {
            _on[i] = active[i] && (eligible.Length == 0 || eligible[i]);
        }

        var constants = configuration.Constants;
        var check = GeometricProgramming.Check(_gains, n, _on, configuration.Demands, constants.Noise, constants.MaxPower);
        LastCheck = check;
        var solved = GeometricProgramming.Solve(_gains, n, _on, configuration.Demands, constants.Noise, constants.MaxPower, check, _power);
        if (solved)
        {
            FeasibleSlots++;
        }
        else
        {
            InfeasibleSlots++;
        }

        Array.Clear(decision.Power);
        Array.Fill(decision.ServedReceiver, -1);
        for (var i = 0; i < n; i++)
        {
            decision.Power[i] = _power[i];
            decision.ServedReceiver[i] = _power[i] > 0 ? i : -1;
        }
    }
}
