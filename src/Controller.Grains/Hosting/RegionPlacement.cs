using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Controller.Grains.Hosting;

/// <summary>
/// Spreads regions over the control silos by rendezvous hashing: each region goes to the compatible silo (the role
/// filter has already kept control silos) with the highest hash of (region key, silo address). The spread is even in
/// expectation and the same on every silo without coordination, and when a silo dies only its own regions move, each to
/// the survivor next in its own order, so the survivors share them. Orleans' random and activation-count placements
/// were tried first: counts are equal (zero) while a cluster starts, and the first silo up took 7 of 8 regions.
/// </summary>
[Serializable]
[GenerateSerializer]
[Immutable]
[SuppressReferenceTracking]
[Alias("region-hash-placement")]
public sealed class RegionHashPlacement : PlacementStrategy
{
    /// <summary>The one instance.</summary>
    internal static RegionHashPlacement Instance { get; } = new();
}

/// <summary>Places a grain by <see cref="RegionHashPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class RegionHashPlacementAttribute() : PlacementAttribute(RegionHashPlacement.Instance);

/// <summary>The director of <see cref="RegionHashPlacement"/>.</summary>
internal sealed class RegionHashPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 0)
        {
            throw new OrleansException($"No silo can host {target.GrainIdentity}.");
        }

        return Task.FromResult(Choose(target.GrainIdentity.Key.ToString(), silos));
    }

    /// <summary>The silo with the highest rendezvous hash for <paramref name="key"/>.</summary>
    internal static SiloAddress Choose(string key, IReadOnlyList<SiloAddress> silos)
    {
        SiloAddress? best = null;
        ulong bestScore = 0;
        foreach (var silo in silos)
        {
            var score = BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"{key}|{silo.ToParsableString()}")));
            if (best is null || score > bestScore)
            {
                best = silo;
                bestScore = score;
            }
        }

        return best!;
    }
}
