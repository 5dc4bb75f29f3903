using Controller.Grains.Hosting;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Controller.Grains.Inference;

/// <summary>
/// Places a grain on silos whose metadata carries its role (<c>role=inference</c> or <c>role=control</c>) when at
/// least one such silo is up, and anywhere otherwise (the embedded silo plays every role). Orleans' own
/// <c>[SiloRoleBasedPlacement]</c> matches the grain key against silo names, and its metadata filters match the
/// caller's own metadata, so neither places by a role chosen here.
/// </summary>
public abstract class RolePlacementFilterStrategy : PlacementFilterStrategy
{
    /// <summary>Creates the strategy (order 0: the only filter).</summary>
    protected RolePlacementFilterStrategy()
        : base(0)
    {
    }

    /// <summary>The role whose silos are preferred.</summary>
    public abstract string Role { get; }
}

/// <summary>Inference grains prefer inference silos.</summary>
public sealed class InferenceRoleFilterStrategy : RolePlacementFilterStrategy
{
    /// <inheritdoc />
    public override string Role => ControlPlaneHosting.InferenceRole;
}

/// <summary>Control grains (regions, cells, users, links) prefer control silos.</summary>
public sealed class ControlRoleFilterStrategy : RolePlacementFilterStrategy
{
    /// <inheritdoc />
    public override string Role => ControlPlaneHosting.ControlRole;
}

/// <summary>Puts a grain on inference silos when any is up.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class InferenceRolePlacementAttribute() : PlacementFilterAttribute(new InferenceRoleFilterStrategy());

/// <summary>Puts a grain on control silos when any is up.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ControlRolePlacementAttribute() : PlacementFilterAttribute(new ControlRoleFilterStrategy());

/// <summary>Keeps the silos of the strategy's role among the candidates, or all of them when none has that role.</summary>
internal sealed class RoleFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        var wanted = (filterStrategy as RolePlacementFilterStrategy)?.Role;
        var candidates = silos as IReadOnlyCollection<SiloAddress> ?? [.. silos];
        if (wanted is null)
        {
            return candidates;
        }

        var matching = candidates.Where(s => metadata.GetSiloMetadata(s).Metadata.TryGetValue(ControlPlaneHosting.RoleKey, out var role) && role == wanted).ToList();
        return matching.Count > 0 ? matching : candidates;
    }
}
