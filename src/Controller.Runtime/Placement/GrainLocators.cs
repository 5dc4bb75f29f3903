using System.Text;
using Controller.Runtime.Grains;

namespace Controller.Runtime.Placement;

/// <summary>A silo of the cluster, by its StatefulSet ordinal (0 when running alone).</summary>
/// <param name="Ordinal">Stable ordinal.</param>
public readonly record struct SiloId(int Ordinal);

/// <summary>
/// Decides which silo hosts a grain. Every call asks it, so a cluster transport can forward calls for
/// grains homed elsewhere without any change to grain code.
/// </summary>
public interface IGrainLocator
{
    /// <summary>The silo that hosts <paramref name="grain"/>.</summary>
    SiloId Locate(GrainId grain);
}

/// <summary>Single-process placement: every grain lives on silo 0.</summary>
public sealed class LocalGrainLocator : IGrainLocator
{
    /// <summary>The only silo.</summary>
    public static SiloId Silo { get; } = new(0);

    /// <inheritdoc />
    public SiloId Locate(GrainId grain) => Silo;
}

/// <summary>
/// Rendezvous (highest-random-weight) hashing of a placement key over the live silos: a grain moves only
/// when its own silo leaves, and grains that share a placement key (a region's cells and users) land together.
/// </summary>
public sealed class RendezvousGrainLocator : IGrainLocator
{
    private readonly SiloId[] _silos;
    private readonly Func<GrainId, string> _placementKey;

    /// <summary>Places over <paramref name="silos"/>; <paramref name="placementKey"/> maps a grain to the key that is hashed (default: its full id).</summary>
    public RendezvousGrainLocator(IEnumerable<SiloId> silos, Func<GrainId, string>? placementKey = null)
    {
        ArgumentNullException.ThrowIfNull(silos);
        _silos = [.. silos];
        if (_silos.Length == 0)
        {
            throw new ArgumentException("At least one silo is needed.", nameof(silos));
        }

        _placementKey = placementKey ?? (id => id.ToString());
    }

    /// <inheritdoc />
    public SiloId Locate(GrainId grain)
    {
        var key = Encoding.UTF8.GetBytes(_placementKey(grain));
        var best = _silos[0];
        var bestWeight = 0UL;
        foreach (var silo in _silos)
        {
            var weight = Weight(key, silo.Ordinal);
            if (weight >= bestWeight)
            {
                (best, bestWeight) = (silo, weight);
            }
        }

        return best;
    }

    // FNV-1a over the key seeded by the ordinal, then a SplitMix64 finalizer so that weights of
    // neighbouring ordinals are unrelated. (System.IO.Hashing is not restorable here.)
    private static ulong Weight(ReadOnlySpan<byte> key, int ordinal)
    {
        var hash = 14695981039346656037UL ^ ((ulong)(uint)ordinal * 0x9E3779B97F4A7C15UL);
        foreach (var b in key)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        hash = (hash ^ (hash >> 30)) * 0xBF58476D1CE4E5B9UL;
        hash = (hash ^ (hash >> 27)) * 0x94D049BB133111EBUL;
        return hash ^ (hash >> 31);
    }
}
