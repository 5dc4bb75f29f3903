namespace Controller.Grains;

/// <summary>What a host does with all of its regions at once: start and stop their loops.</summary>
public static class ControlRegions
{
    /// <summary>Starts every region's loop (see <see cref="IRegionGrain.StartAsync"/>); activations happen before any loop ticks.</summary>
    public static Task StartAllAsync(this IGrainFactory grains, ControlTopology topology, string? policy, int periodMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(topology);
        return Task.WhenAll(topology.Regions.Select(r => grains.GetGrain<IRegionGrain>(r.RegionId).StartAsync(policy, periodMs, cancellationToken)));
    }

    /// <summary>Stops every region's loop; state stays.</summary>
    public static Task StopAllAsync(this IGrainFactory grains, ControlTopology topology, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(topology);
        return Task.WhenAll(topology.Regions.Select(r => grains.GetGrain<IRegionGrain>(r.RegionId).StopAsync(cancellationToken)));
    }
}
