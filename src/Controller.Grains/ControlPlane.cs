using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using Controller.Grains.Diagnostics;
using Controller.Optimization.Policies;
using Controller.Radio.Policies;
using Controller.Ran.Contract;
using Controller.Runtime.Grains;

namespace Controller.Grains;

/// <summary>
/// What the control grains of one silo share: the RAN they control, its topology, the options, the policy
/// provider (the same <see cref="ControlPolicies"/> as <c>controller eval</c>), the monitor and the instruments.
/// Register the grains with <see cref="Register"/>, then <see cref="StartAsync"/> the regions' loops.
/// </summary>
public sealed class ControlPlane : IDisposable
{
    private readonly FrozenDictionary<string, (RegionTopology Region, int Index)> _regions;
    private readonly FrozenDictionary<string, (RegionTopology Region, int Index)> _users;
    private readonly FrozenDictionary<string, (RegionTopology Region, int Index)> _cells;

    /// <summary>Creates the control plane of <paramref name="topology"/>; throws <see cref="ArgumentException"/> for bad options or a policy the provider does not know.</summary>
    public ControlPlane(IRanAdapter ran, RanTopology topology, ControlPlaneOptions options, IPolicyProvider? policies = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(ran);
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Ran = ran;
        Topology = topology;
        Options = options;
        Policies = policies ?? ControlPolicies.Provider;
        Policies.Validate(options.Policy);
        _regions = topology.Regions.Select((r, i) => KeyValuePair.Create(r.RegionId, (r, i))).ToFrozenDictionary(StringComparer.Ordinal);
        _users = topology.Regions.SelectMany(r => r.UserIds.Select((id, i) => KeyValuePair.Create(id, (r, i)))).ToFrozenDictionary(StringComparer.Ordinal);
        _cells = topology.Regions.SelectMany(r => r.CellIds.Select((id, i) => KeyValuePair.Create(id, (r, i)))).ToFrozenDictionary(StringComparer.Ordinal);
        Monitor = new ControlPlaneMonitor();
        Instruments = new ControlInstruments(Monitor, meterFactory);
    }

    /// <summary>The RAN the loops pull from and push to.</summary>
    public IRanAdapter Ran { get; }

    /// <summary>Regions, cells and users.</summary>
    public RanTopology Topology { get; }

    /// <summary>Loop options.</summary>
    public ControlPlaneOptions Options { get; }

    /// <summary>Policy names the regions accept.</summary>
    public IPolicyProvider Policies { get; }

    /// <summary>Latest loop of every region.</summary>
    public ControlPlaneMonitor Monitor { get; }

    /// <summary>Users in all regions.</summary>
    public int UserCount => _users.Count;

    /// <summary>Cells in all regions.</summary>
    public int CellCount => _cells.Count;

    internal ControlInstruments Instruments { get; }

    /// <summary>The learned policies behind <see cref="Policies"/> (artifacts, registry), or null for a provider without them.</summary>
    internal Controller.Policies.LearnedPolicies? Learned => (Policies as ControlPolicies)?.More as Controller.Policies.LearnedPolicies;

    /// <summary>Fetches the RAN's topology and creates the control plane.</summary>
    public static async Task<ControlPlane> ConnectAsync(IRanAdapter ran, ControlPlaneOptions options, CancellationToken cancellationToken, IPolicyProvider? policies = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(ran);
        var topology = await ran.GetTopologyAsync(cancellationToken).ConfigureAwait(false);
        return new ControlPlane(ran, topology, options, policies, meterFactory);
    }

    /// <summary>Adds the region, cell, user and link grains, bound to this control plane, to a runtime being built.</summary>
    public GrainRuntimeBuilder Register(GrainRuntimeBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder = builder
            .AddGrain<IRegionGrain, RegionGrain>(_ => new RegionGrain(this))
            .AddGrain<ICellGrain, CellGrain>(_ => new CellGrain(this))
            .AddGrain<IUserGrain, UserGrain>(_ => new UserGrain(this))
            .AddGrain<ILinkGrain, LinkGrain>(_ => new LinkGrain(this));
        // The inference role: in this silo (embedded), or placed on inference silos by the runtime's locator, in
        // which case these registrations only give regions their references.
        builder = Inference.InferenceSilo.Register(builder, Learned ?? new Controller.Policies.LearnedPolicies(), Options.InferenceBackend);
        return builder;
    }

    /// <summary>Starts every region's loop (see <see cref="IRegionGrain.StartAsync"/>).</summary>
    public Task StartAsync(IGrainFactory grains, string? policy, int periodMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        if (policy is not null)
        {
            Policies.Validate(policy);
        }

        return Task.WhenAll(Topology.Regions.Select(r => grains.GetGrain<IRegionGrain>(r.RegionId).StartAsync(policy, periodMs, cancellationToken)));
    }

    /// <summary>Stops every region's loop.</summary>
    public Task StopAsync(IGrainFactory grains, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return Task.WhenAll(Topology.Regions.Select(r => grains.GetGrain<IRegionGrain>(r.RegionId).StopAsync(cancellationToken)));
    }

    /// <summary>The region with this id and its position in the topology.</summary>
    public bool TryFindRegion(string regionId, out RegionTopology region, out int index) => Find(_regions, regionId, out region, out index);

    /// <summary>The region of a user and the user's index in it.</summary>
    public bool TryFindUser(string userId, out RegionTopology region, out int index) => Find(_users, userId, out region, out index);

    /// <summary>The region of a cell and the cell's index in it.</summary>
    public bool TryFindCell(string cellId, out RegionTopology region, out int index) => Find(_cells, cellId, out region, out index);

    /// <inheritdoc />
    public void Dispose() => Instruments.Dispose();

    private static bool Find(FrozenDictionary<string, (RegionTopology Region, int Index)> map, string id, out RegionTopology region, out int index)
    {
        if (id is not null && map.TryGetValue(id, out var found))
        {
            (region, index) = found;
            return true;
        }

        region = null!;
        index = -1;
        return false;
    }
}
