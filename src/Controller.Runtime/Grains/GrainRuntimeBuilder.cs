using System.Diagnostics.Metrics;
using Controller.Runtime.Cluster;
using Controller.Runtime.Placement;
using Controller.Runtime.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Controller.Runtime.Grains;

/// <summary>Registers grains and providers, then builds a <see cref="GrainRuntime"/>.</summary>
public sealed class GrainRuntimeBuilder
{
    private readonly List<GrainInterfaceMap> _grains = [];
    private readonly GrainRuntimeOptions _options = new();
    private IGrainStorage _storage = new MemoryGrainStorage();
    private TimeProvider _timeProvider = TimeProvider.System;
    private ILoggerFactory _loggerFactory = NullLoggerFactory.Instance;
    private IMeterFactory? _meterFactory;
    private IGrainLocator _locator = new LocalGrainLocator();
    private SiloId _localSilo = LocalGrainLocator.Silo;
    private IServiceProvider? _services;
    private IClusterTransport? _transport;

    /// <summary>
    /// Registers <typeparamref name="TImplementation"/> for <typeparamref name="TInterface"/>. Without a
    /// factory, instances come from the service provider (constructor injection) if one is set, else
    /// from the parameterless constructor.
    /// </summary>
    public GrainRuntimeBuilder AddGrain<TInterface, TImplementation>(Func<IServiceProvider?, TImplementation>? factory = null)
        where TInterface : IGrain
        where TImplementation : Grain, TInterface
    {
        Func<IServiceProvider?, Grain> create = factory is not null
            ? services => factory(services)
            : services => services is null ? Activator.CreateInstance<TImplementation>() : ActivatorUtilities.CreateInstance<TImplementation>(services);
        _grains.Add(new GrainInterfaceMap(typeof(TInterface), typeof(TImplementation), create));
        return this;
    }

    /// <summary>Where grain state lives (default: in memory).</summary>
    public GrainRuntimeBuilder UseStorage(IGrainStorage storage)
    {
        _storage = storage ?? throw new ArgumentNullException(nameof(storage));
        return this;
    }

    /// <summary>The clock for timers and idle collection (a fake one in tests).</summary>
    public GrainRuntimeBuilder UseTimeProvider(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        return this;
    }

    /// <summary>Logging.</summary>
    public GrainRuntimeBuilder UseLoggerFactory(ILoggerFactory loggerFactory)
    {
        _loggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        return this;
    }

    /// <summary>Meters (default: a private Meter named "Controller.Runtime").</summary>
    public GrainRuntimeBuilder UseMeterFactory(IMeterFactory meterFactory)
    {
        _meterFactory = meterFactory ?? throw new ArgumentNullException(nameof(meterFactory));
        return this;
    }

    /// <summary>Placement and the identity of this silo.</summary>
    public GrainRuntimeBuilder UseLocator(IGrainLocator locator, SiloId localSilo)
    {
        _locator = locator ?? throw new ArgumentNullException(nameof(locator));
        _localSilo = localSilo;
        return this;
    }

    /// <summary>
    /// Joins a cluster: <paramref name="locator"/> places grains, this silo is <paramref name="localSilo"/>, and calls to
    /// grains placed on other silos go through <paramref name="transport"/> (the runtime does not own it).
    /// </summary>
    public GrainRuntimeBuilder UseCluster(IGrainLocator locator, SiloId localSilo, IClusterTransport transport)
    {
        UseLocator(locator, localSilo);
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        return this;
    }

    /// <summary>Services for grain constructors.</summary>
    public GrainRuntimeBuilder UseServices(IServiceProvider services)
    {
        _services = services ?? throw new ArgumentNullException(nameof(services));
        return this;
    }

    /// <summary>Changes options; they are validated by <see cref="Build"/>.</summary>
    public GrainRuntimeBuilder Configure(Action<GrainRuntimeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_options);
        return this;
    }

    /// <summary>Validates the options and builds the runtime.</summary>
    public GrainRuntime Build()
    {
        _options.Validate();
        var duplicate = _grains.GroupBy(g => g.TypeName).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two grain interfaces share the type name '{duplicate.Key}'; give one a [GrainType] name.");
        }

        return new GrainRuntime(_grains, _storage, _timeProvider, _options, _loggerFactory, _meterFactory, _locator, _localSilo, _transport, _services);
    }
}
