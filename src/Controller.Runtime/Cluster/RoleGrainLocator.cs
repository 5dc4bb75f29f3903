using System.Collections.Frozen;
using Controller.Runtime.Grains;
using Controller.Runtime.Placement;

namespace Controller.Runtime.Cluster;

/// <summary>
/// Placement by silo role: grain types given a role (the inference silo's <c>inference</c> grains, say) live on
/// that role's silos, spread by rendezvous hashing of the key; every other grain lives on this silo.
/// </summary>
public sealed class RoleGrainLocator : IGrainLocator
{
    private readonly SiloId _local;
    private readonly FrozenDictionary<string, RendezvousGrainLocator> _byType;

    /// <summary>Places each type in <paramref name="roles"/> on its silos and the rest on <paramref name="local"/>.</summary>
    public RoleGrainLocator(SiloId local, IReadOnlyDictionary<string, IReadOnlyList<SiloId>> roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        _local = local;
        _byType = roles.ToFrozenDictionary(
            r => r.Key,
            r => r.Value is { Count: > 0 } silos ? new RendezvousGrainLocator(silos) : throw new ArgumentException($"Grain type '{r.Key}' is given a role with no silo.", nameof(roles)),
            StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public SiloId Locate(GrainId grain) => _byType.TryGetValue(grain.Type, out var role) ? role.Locate(grain) : _local;
}
