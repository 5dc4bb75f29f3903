using Controller.Grains.Diagnostics;
using Controller.Grains.Inference;
using Controller.Optimization.Policies;
using Controller.Policies;
using Controller.Radio.Policies;
using Controller.Ran.Contract;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Placement;

namespace Controller.Grains.Hosting;

/// <summary>Everything the control grains of a silo need from outside: the RAN, its topology, the options and the policies.</summary>
/// <param name="Ran">The RAN the loops pull from and push to.</param>
/// <param name="Topology">Its regions, cells and users (fetched from the RAN before the silo starts).</param>
/// <param name="Options">Loop options; validated when registered.</param>
/// <param name="Policies">Policy names the regions accept (null: the built-in <see cref="ControlPolicies.Provider"/>).</param>
public sealed record ControlPlaneSetup(IRanAdapter Ran, RanTopology Topology, ControlPlaneOptions Options, IPolicyProvider? Policies = null)
{
    /// <summary>Fetches the RAN's topology and pairs it with the rest.</summary>
    public static async Task<ControlPlaneSetup> ConnectAsync(IRanAdapter ran, ControlPlaneOptions options, IPolicyProvider? policies, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ran);
        var topology = await ran.GetTopologyAsync(cancellationToken).ConfigureAwait(false);
        return new ControlPlaneSetup(ran, topology, options, policies);
    }
}

/// <summary>
/// Registers the control grains' services in a silo's container (no service locator: grains take what they use
/// in their constructors). Grain state lives on the storage provider named <see cref="StorageName"/>, which the
/// host adds (files in the embedded demo, Azure Blob in a cluster, memory in tests).
/// </summary>
public static class ControlPlaneHosting
{
    /// <summary>Name of the grain storage provider the control grains' state is kept on.</summary>
    public const string StorageName = "control";

    /// <summary>Silo metadata key of a silo's role ("control" or "inference").</summary>
    public const string RoleKey = "role";

    /// <summary>The role of silos that run regions, cells, users and links.</summary>
    public const string ControlRole = "control";

    /// <summary>The role of silos that serve learned policies.</summary>
    public const string InferenceRole = "inference";

    /// <summary>Adds the control grains' services for <paramref name="setup"/>; throws <see cref="ArgumentException"/> for bad options or an unknown default policy.</summary>
    public static IServiceCollection AddControlPlane(this IServiceCollection services, ControlPlaneSetup setup)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(setup);
        setup.Options.Validate();
        var policies = setup.Policies ?? ControlPolicies.Provider;
        policies.Validate(setup.Options.Policy);
        services.AddSingleton(setup.Ran);
        services.AddSingleton(new ControlTopology(setup.Topology));
        services.AddSingleton<IOptions<ControlPlaneOptions>>(Microsoft.Extensions.Options.Options.Create(setup.Options));
        services.AddSingleton(policies);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ControlPlaneMonitor>();
        services.AddSingleton<ControlInstruments>();
        services.AddInferenceRole((policies as ControlPolicies)?.More as LearnedPolicies ?? new LearnedPolicies(), setup.Options.InferenceBackend);
        if (setup.Options.RegionSweepPeriod is not null)
        {
            services.AddSingleton<RegionSupervisor>();
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(provider => provider.GetRequiredService<RegionSupervisor>());
        }

        return services;
    }

    /// <summary>
    /// Adds what the inference grains need (artifacts, the backend's name and the <c>managed</c> backend; other
    /// backends are registered by the host as <see cref="IGnnBackend"/>s) and the placement filter that puts them on
    /// silos tagged <c>role=inference</c> when any is up (else on any silo: the embedded default).
    /// </summary>
    public static IServiceCollection AddInferenceRole(this IServiceCollection services, LearnedPolicies policies, string backend)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(new InferenceSiloOptions(policies, backend));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IGnnBackend, ManagedGnnBackend>());
        services.AddRolePlacement();
        return services;
    }

    /// <summary>The placement filters that keep grains on silos of their role (registered transient: a singleton strategy instance would be shared, and overwritten, across grain types).</summary>
    public static IServiceCollection AddRolePlacement(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(RoleFilterDirector)))
        {
            return services;
        }

        services.AddTransient<RoleFilterDirector>();
        services.AddPlacementDirector<RegionHashPlacement, RegionHashPlacementDirector>();
        services.AddPlacementFilter<InferenceRoleFilterStrategy, RoleFilterDirector>(ServiceLifetime.Transient);
        services.AddPlacementFilter<ControlRoleFilterStrategy, RoleFilterDirector>(ServiceLifetime.Transient);
        return services;
    }
}
