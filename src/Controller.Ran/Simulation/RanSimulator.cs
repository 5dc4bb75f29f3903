using System.Collections.Frozen;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Controller.Radio;
using Controller.Radio.Scenarios;
using Controller.Ran.Contract;

namespace Controller.Ran.Simulation;

/// <summary>
/// The in-process RAN of the embedded default, built on the radio scenarios. Region i is configuration i of
/// the scenario drawn with the simulator's seed (regions do not interfere). Each region sits at a slot: its
/// telemetry holds that slot's gains and activity, the rates of the last applied decision and the current
/// demands; a valid decision is applied to the slot's gains with <see cref="Controller.Radio.Allocation.Sinr.ComputeRates"/>
/// and moves the region to its next slot (fading evolves, users move). Everything is fixed by
/// (scenario, settings, seed, sequence of decisions); timestamps come from the <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// Thread safety: any member may be called concurrently; calls on one region are serialized by that region's
/// lock. Telemetry and receipts are immutable snapshots shared between callers: the first pull of a slot builds
/// its snapshot, later pulls in the slot return the same instance (no allocation). Do not cast their lists
/// back to arrays and write into them.
/// </remarks>
public sealed class RanSimulator : IRanAdapter, IRanControl
{
    private readonly FrozenDictionary<string, SimulatedRegion> _regions;
    private readonly FrozenDictionary<string, UserRef> _users;
    private readonly Task<RanTopology> _topology;

    /// <summary>Creates every region at its slot 0. Throws <see cref="RadioInputException"/> for an unknown scenario or bad settings and <see cref="ArgumentException"/> for other bad options.</summary>
    public RanSimulator(RanSimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        if (options.Regions is < 1 or > RanSimulatorOptions.MaxRegions)
        {
            throw new RanArgumentException(RanRejection.InvalidRequest, Invariant($"The number of regions must be in [1, {RanSimulatorOptions.MaxRegions}] (got {options.Regions})."), nameof(options));
        }

        var scenario = ScenarioCatalog.Get(options.Scenario);
        var settings = scenario.Resolve(options.Settings ?? []);
        var first = scenario.CreateConfiguration(settings, options.Seed, 0);
        var size = (long)options.Regions * first.Receivers * first.Transmitters;
        if (size > RanSimulatorOptions.MaxGains)
        {
            throw new RadioInputException(Invariant($"{options.Regions} regions of {first.Receivers} users x {first.Transmitters} cells hold {size} gains, above the simulator's limit of {RanSimulatorOptions.MaxGains}; use fewer regions or a smaller scenario."));
        }

        Scenario = scenario.Name;
        Settings = settings;
        Seed = options.Seed;
        var regions = new SimulatedRegion[options.Regions];
        try
        {
            // Configurations are independent and fixed by (seed, index), so drawing them in parallel changes nothing.
            Parallel.For(0, regions.Length, i =>
            {
                var configuration = i == 0 ? first : scenario.CreateConfiguration(settings, options.Seed, i);
                regions[i] = new SimulatedRegion(RanIds.Region(i), scenario.Name, configuration, options.TimeProvider);
            });
        }
        catch (AggregateException exception) when (exception.InnerExceptions[0] is RadioInputException input)
        {
            ExceptionDispatchInfo.Throw(input);
        }

        _regions = regions.ToFrozenDictionary(r => r.Id, StringComparer.Ordinal);
        _users = regions
            .SelectMany(r => r.Topology.UserIds.Select((id, index) => KeyValuePair.Create(id, new UserRef(r, index))))
            .ToFrozenDictionary(StringComparer.Ordinal);
        Topology = new RanTopology(regions.Select(r => r.Topology).ToArray());
        _topology = Task.FromResult(Topology);
        UseSchedule(options.DemandSchedule ?? [], regions);
    }

    /// <summary>The scenario the regions were drawn from.</summary>
    public string Scenario { get; }

    /// <summary>The scenario's resolved settings.</summary>
    public ScenarioSettings Settings { get; }

    /// <summary>The run seed.</summary>
    public ulong Seed { get; }

    /// <summary>Regions, cells and users (fixed for the simulator's life).</summary>
    public RanTopology Topology { get; }

    /// <inheritdoc />
    public Task<RanTopology> GetTopologyAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled<RanTopology>(cancellationToken) : _topology;

    /// <inheritdoc />
    public Task<RegionTelemetry> PullTelemetryAsync(string regionId, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<RegionTelemetry>(cancellationToken);
        }

        try
        {
            return Task.FromResult(PullTelemetry(regionId));
        }
        catch (Exception exception) when (exception is RanRejectedException or RanUnavailableException or ArgumentException)
        {
            return Task.FromException<RegionTelemetry>(exception);
        }
    }

    /// <inheritdoc />
    public Task<DecisionReceipt> PushDecisionsAsync(string regionId, RegionDecision decision, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<DecisionReceipt>(cancellationToken);
        }

        try
        {
            return Task.FromResult(PushDecisions(regionId, decision));
        }
        catch (Exception exception) when (exception is RanRejectedException or RanUnavailableException or ArgumentException)
        {
            return Task.FromException<DecisionReceipt>(exception);
        }
    }

    /// <summary>The synchronous form of <see cref="PullTelemetryAsync"/>, for in-process callers and benchmarks.</summary>
    public RegionTelemetry PullTelemetry(string regionId) => Find(regionId).Pull();

    /// <summary>The synchronous form of <see cref="PushDecisionsAsync"/>, for in-process callers and benchmarks.</summary>
    public DecisionReceipt PushDecisions(string regionId, RegionDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return Find(regionId).Apply(decision);
    }

    /// <summary>
    /// Sets a user's demand (bps/Hz) from the current slot on. Throws <see cref="ArgumentException"/> for an
    /// unknown user and <see cref="ArgumentException"/> (out of range) for a negative or non-finite demand.
    /// </summary>
    public void SetDemand(string userId, double demand)
    {
        ArgumentNullException.ThrowIfNull(userId);
        if (!_users.TryGetValue(userId, out var user))
        {
            throw new RanArgumentException(RanRejection.UnknownId, Invariant($"Unknown user '{userId}'; user ids look like '{RanIds.User(RanIds.Region(0), 0)}' (this RAN has {_regions.Count} regions of {FirstRegion.Users} users)."), nameof(userId));
        }

        if (DemandError(demand) is { } error)
        {
            throw new RanArgumentException(RanRejection.InvalidRequest, Invariant($"Demand of user '{userId}' {error}"), nameof(demand));
        }

        user.Region.SetDemand(user.Index, demand);
    }

    /// <summary>
    /// Makes the next <see cref="RanFault.Pulls"/> pulls of a region faulty (replacing an active fault). Throws
    /// <see cref="ArgumentException"/> for an unknown region, an undefined kind or pulls outside [1, <see cref="RanFault.MaxPulls"/>].
    /// </summary>
    public void InjectFault(string regionId, RanFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        var region = FindForControl(regionId);
        if (!Enum.IsDefined(fault.Kind))
        {
            throw new RanArgumentException(RanRejection.InvalidRequest, Invariant($"Unknown fault kind {(int)fault.Kind}; known: {RanFault.KnownNames}."), nameof(fault));
        }

        if (fault.Pulls is < 1 or > RanFault.MaxPulls)
        {
            throw new RanArgumentException(RanRejection.InvalidRequest, Invariant($"A fault must last between 1 and {RanFault.MaxPulls} pulls (got {fault.Pulls})."), nameof(fault));
        }

        region.InjectFault(fault.Kind, fault.Pulls);
    }

    /// <summary>Ends a region's active fault, if any. Throws <see cref="ArgumentException"/> for an unknown region.</summary>
    public void ClearFault(string regionId) => FindForControl(regionId).ClearFault();

    /// <inheritdoc />
    Task IRanControl.SetDemandAsync(string userId, double demand, CancellationToken cancellationToken) =>
        Control(() => SetDemand(userId, demand), cancellationToken);

    /// <inheritdoc />
    Task IRanControl.InjectFaultAsync(string regionId, RanFault fault, CancellationToken cancellationToken) =>
        Control(() => InjectFault(regionId, fault), cancellationToken);

    /// <inheritdoc />
    Task IRanControl.ClearFaultAsync(string regionId, CancellationToken cancellationToken) =>
        Control(() => ClearFault(regionId), cancellationToken);

    /// <summary>Why <paramref name="demand"/> is not a valid demand, as the end of a sentence; null when it is.</summary>
    internal static string? DemandError(double demand) => double.IsFinite(demand) && demand >= 0 && demand <= RanLimits.MaxDemand
        ? null
        : Invariant($"must be a finite number in [0, {RanLimits.MaxDemand}] bps/Hz (got {demand:R}).");

    private SimulatedRegion FirstRegion => _regions[RanIds.Region(0)];

    private SimulatedRegion Find(string regionId)
    {
        ArgumentNullException.ThrowIfNull(regionId);
        return _regions.TryGetValue(regionId, out var region)
            ? region
            : throw new RanRejectedException(RanRejection.UnknownId, UnknownRegion(regionId));
    }

    private SimulatedRegion FindForControl(string regionId)
    {
        ArgumentNullException.ThrowIfNull(regionId);
        return _regions.TryGetValue(regionId, out var region)
            ? region
            : throw new RanArgumentException(RanRejection.UnknownId, UnknownRegion(regionId), nameof(regionId));
    }

    private string UnknownRegion(string regionId) =>
        Invariant($"Unknown region '{regionId}'; this RAN has regions {RanIds.Region(0)} to {RanIds.Region(_regions.Count - 1)}.");

    private static Task Control(Action action, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        try
        {
            action();
            return Task.CompletedTask;
        }
        catch (RanArgumentException exception)
        {
            return Task.FromException(new RanRejectedException(exception.Reason, exception.Message, exception));
        }
    }

    private void UseSchedule(IReadOnlyList<DemandChange> schedule, SimulatedRegion[] regions)
    {
        var byRegion = new Dictionary<SimulatedRegion, List<ScheduledDemand>>();
        for (var i = 0; i < schedule.Count; i++)
        {
            var change = schedule[i] ?? throw new RanArgumentException(RanRejection.InvalidRequest, Invariant($"Demand schedule entry {i} is null."), nameof(schedule));
            if (change.UserId is null || !_users.TryGetValue(change.UserId, out var user))
            {
                throw new RanArgumentException(RanRejection.UnknownId, Invariant($"Demand schedule entry {i} names unknown user '{change.UserId}'; user ids look like '{RanIds.User(RanIds.Region(0), 0)}'."), nameof(schedule));
            }

            if (change.Slot < 0)
            {
                throw new RanArgumentException(RanRejection.InvalidRequest, Invariant($"Demand schedule entry {i} is for slot {change.Slot}; slots start at 0."), nameof(schedule));
            }

            if (DemandError(change.Demand) is { } error)
            {
                throw new RanArgumentException(RanRejection.InvalidRequest, Invariant($"Demand schedule entry {i}: the demand of user '{change.UserId}' {error}"), nameof(schedule));
            }

            if (!byRegion.TryGetValue(user.Region, out var list))
            {
                byRegion[user.Region] = list = [];
            }

            list.Add(new ScheduledDemand(change.Slot, user.Index, change.Demand));
        }

        foreach (var region in regions)
        {
            // OrderBy is stable: changes for the same slot keep their list order, so the last one wins.
            region.UseSchedule(byRegion.TryGetValue(region, out var list) ? [.. list.OrderBy(c => c.Slot)] : []);
        }
    }

    private static string Invariant(FormattableString message) => message.ToString(CultureInfo.InvariantCulture);

    private readonly record struct UserRef(SimulatedRegion Region, int Index);
}
