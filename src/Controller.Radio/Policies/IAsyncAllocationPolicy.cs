using Controller.Radio.Allocation;
using Controller.Radio.Scenarios;

namespace Controller.Radio.Policies;

/// <summary>
/// A policy whose decision needs an awaited call (to the inference silo, to cell grains); regions await it, batch
/// evaluation cannot use it (its synchronous <see cref="IAllocationPolicy.Decide"/> may refuse).
/// </summary>
public interface IAsyncAllocationPolicy : IAllocationPolicy
{
    /// <summary>Fills <paramref name="decision"/> for the configuration's current slot.</summary>
    Task DecideAsync(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision, CancellationToken cancellationToken);
}

/// <summary>An <see cref="IMaskablePolicy"/> whose decision needs an awaited call; ALCOR awaits it inside a region.</summary>
public interface IAsyncMaskablePolicy : IMaskablePolicy
{
    /// <summary>Like <see cref="IMaskablePolicy.Decide"/>, awaited: serves only receivers marked in <paramref name="eligible"/> (empty: all).</summary>
    Task DecideAsync(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision, ReadOnlyMemory<bool> eligible, CancellationToken cancellationToken);
}
