using System.Collections.Concurrent;
using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

namespace Controller.Policies.Tests;

/// <summary>
/// Wraps a provider so that every decision an evaluation asks for is checked: powers in [0, Pmax], a served
/// receiver associated with its transmitter and active, no power without a served receiver.
/// </summary>
public sealed class CheckingProvider(IPolicyProvider inner) : IPolicyProvider
{
    private long _decisions;
    private long _transmitting;

    public ConcurrentQueue<string> Problems { get; } = new();

    public long Decisions => Interlocked.Read(ref _decisions);

    /// <summary>Transmitter-slots with positive power.</summary>
    public long Transmitting => Interlocked.Read(ref _transmitting);

    public IReadOnlyList<(string Name, string Description)> Policies => inner.Policies;

    public void Validate(string spec) => inner.Validate(spec);

    public IAllocationPolicy Create(string spec, ulong seed, int configurationIndex) => new CheckingPolicy(inner.Create(spec, seed, configurationIndex), this);

    private void Check(NetworkConfiguration configuration, SlotDecision decision)
    {
        Interlocked.Increment(ref _decisions);
        var serving = configuration.ServingTransmitter;
        for (var t = 0; t < decision.Power.Length; t++)
        {
            var power = decision.Power[t];
            var served = decision.ServedReceiver[t];
            if (!(power >= 0 && power <= configuration.Constants.MaxPower))
            {
                Problems.Enqueue($"slot {configuration.Slot}: transmitter {t} power {power} outside [0, {configuration.Constants.MaxPower}]");
            }

            if (served >= 0 && (serving[served] != t || !configuration.Active[served]))
            {
                Problems.Enqueue($"slot {configuration.Slot}: transmitter {t} serves receiver {served} (associated with {serving[served]}, active {configuration.Active[served]})");
            }

            if (served < 0 && power != 0)
            {
                Problems.Enqueue($"slot {configuration.Slot}: transmitter {t} transmits {power} serving nobody");
            }

            if (power > 0)
            {
                Interlocked.Increment(ref _transmitting);
            }
        }
    }

    private sealed class CheckingPolicy(IAllocationPolicy policy, CheckingProvider owner) : IAllocationPolicy
    {
        public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision)
        {
            policy.Decide(configuration, fairness, decision);
            owner.Check(configuration, decision);
        }

        public void Learn(NetworkConfiguration configuration, ReadOnlySpan<double> receiverRates) => policy.Learn(configuration, receiverRates);
    }
}
