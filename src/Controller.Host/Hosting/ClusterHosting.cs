using System.Net;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Controller.Host.Hosting;

/// <summary>How a silo finds the rest of its cluster.</summary>
internal enum MembershipKind
{
    /// <summary>Development clustering on one machine: the first silo is the primary (<c>--join</c>); in-memory reminders.</summary>
    Localhost,

    /// <summary>Membership table and reminders in Redis (the default of <c>controller silo</c>).</summary>
    Redis,

    /// <summary>Membership table and reminders in Azure Table Storage.</summary>
    AzureTable,
}

/// <summary>
/// A silo's membership: its kind, the connection string of the table (a secret: read from an environment variable,
/// never printed; <see cref="ToString"/> names only the kind and the endpoints), and the address other silos reach
/// this one at. <see cref="Kubernetes"/>: Orleans' Kubernetes hosting sets the silo's name, address and ids from the pod.
/// </summary>
internal sealed record ClusterMembership(MembershipKind Kind, string? ConnectionString, IPAddress Advertised, bool Kubernetes)
{
    /// <summary>The default: localhost development clustering.</summary>
    public static ClusterMembership Localhost { get; } = new(MembershipKind.Localhost, null, IPAddress.Loopback, Kubernetes: false);

    /// <summary>The option's spelling of a kind.</summary>
    public static string Name(MembershipKind kind) => kind switch
    {
        MembershipKind.Redis => "redis",
        MembershipKind.AzureTable => "azure-table",
        _ => "localhost",
    };

    /// <summary>Where the table is, without secrets: Redis endpoints, or the Azure account's table endpoint.</summary>
    public string Where => Kind switch
    {
        MembershipKind.Redis => string.Join(",", StackExchange.Redis.ConfigurationOptions.Parse(ConnectionString!).EndPoints.Select(e => e.ToString())),
        MembershipKind.AzureTable => new Azure.Data.Tables.TableServiceClient(ConnectionString!).Uri.GetLeftPart(UriPartial.Path),
        _ => "localhost",
    };

    /// <inheritdoc />
    public override string ToString() => Kind == MembershipKind.Localhost ? "localhost" : $"{Name(Kind)} at {Where}";

    /// <summary>
    /// Checks the connection string's form before the silo starts, so that a typo is one clear line rather than a
    /// stack trace from inside Orleans; the message never repeats the string.
    /// </summary>
    public static ClusterMembership Create(MembershipKind kind, string? connectionString, IPAddress advertised, bool kubernetes)
    {
        if (kind != MembershipKind.Localhost)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new ArgumentException($"{Name(kind)} membership needs a connection string.");
            }

            try
            {
                if (string.IsNullOrEmpty(new ClusterMembership(kind, connectionString, advertised, kubernetes).Where))
                {
                    throw new FormatException("no endpoint");
                }
            }
            catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidOperationException or UriFormatException)
            {
                throw new ArgumentException($"the {Name(kind)} connection string is malformed ({exception.GetType().Name}); it is not shown here.", exception);
            }
        }

        return new ClusterMembership(kind, connectionString, advertised, kubernetes);
    }
}

/// <summary>
/// Membership through a shared table (Redis or Azure Table), for clusters of silos that come and go: each silo writes
/// itself into the table, probes the others, and a silo that misses its probes is voted dead by its peers, after which
/// its grains are activated elsewhere on their next call (<see cref="Controller.Grains.RegionSupervisor"/> makes that
/// call for regions at once). Reminders live in the same store, so a region's watchdog survives any silo.
/// </summary>
internal static class ClusterHosting
{
    /// <summary>
    /// Failure detection tuned for a 2-core host running several silos: a probe times out after 1 s and a silo is
    /// declared dead after 2 missed probes and 2 votes, so a killed silo is dead within about 1-1.5 s (the defaults,
    /// 5 s probes and 3 misses, take 11-30 s; see shared/design/DEPENDENCIES.md). A silo is suspected only after 2 s
    /// of no answer from its whole process, longer than the GC pauses and timer lateness measured on these hosts
    /// (server GC: tens of ms); indirect probes through a third silo keep one slow link from convicting a silo.
    /// </summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes before a silo suspects a peer.</summary>
    public const int MissedProbesLimit = 2;

    /// <summary>Suspicions needed to declare a silo dead.</summary>
    public const int VotesForDeath = 2;

    /// <summary>
    /// Grain-call timeout. Calls pending to a silo fail as soon as it is declared dead, so failover does not wait for
    /// this; it bounds calls to a silo that is alive but stuck. 5 s was tried first: three silos starting together on a
    /// loaded 2-core host (load average 17) timed out activating regions, whose first activation reads every user's
    /// state from storage; 30 s (Orleans' default) never did.
    /// </summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(30);

    public static void Configure(ISiloBuilder silo, SiloSettings settings)
    {
        var membership = settings.Membership;
        silo.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = settings.ClusterId;
            cluster.ServiceId = settings.ServiceId;
        });
        silo.Configure<EndpointOptions>(endpoints =>
        {
            endpoints.SiloPort = settings.SiloPort;
            endpoints.GatewayPort = settings.GatewayPort;
            if (!membership.Kubernetes)
            {
                endpoints.AdvertisedIPAddress = membership.Advertised;
                // On loopback the silo listens on loopback only; advertised elsewhere, it listens on every address.
                var bind = IPAddress.IsLoopback(membership.Advertised) ? IPAddress.Loopback : IPAddress.Any;
                endpoints.SiloListeningEndpoint = new IPEndPoint(bind, settings.SiloPort);
                endpoints.GatewayListeningEndpoint = new IPEndPoint(bind, settings.GatewayPort);
            }
        });
        if (membership.Kubernetes)
        {
            // Silo name and address from the pod, ids from its orleans/serviceId and orleans/clusterId labels; it also
            // deletes the pods of silos the cluster declared dead (RBAC in charts/controller).
            silo.UseKubernetesHosting();
        }

        var connection = membership.ConnectionString!;
        switch (membership.Kind)
        {
            case MembershipKind.Redis:
                Microsoft.Extensions.Hosting.RedisClusteringISiloBuilderExtensions.UseRedisClustering(silo, redis => redis.ConfigurationOptions = RedisOptions(connection));
                silo.UseRedisReminderService(redis => redis.ConfigurationOptions = RedisOptions(connection));
                break;
            case MembershipKind.AzureTable:
                silo.UseAzureStorageClustering(table => table.TableServiceClient = new Azure.Data.Tables.TableServiceClient(connection));
                silo.UseAzureTableReminderService(table => table.TableServiceClient = new Azure.Data.Tables.TableServiceClient(connection));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(settings), membership.Kind, "not a cluster membership");
        }

        silo.Configure<ClusterMembershipOptions>(options =>
        {
            options.ProbeTimeout = ProbeTimeout;
            options.NumMissedProbesLimit = MissedProbesLimit;
            options.NumVotesForDeathDeclaration = VotesForDeath;
        });
        silo.Configure<SiloMessagingOptions>(messaging => messaging.ResponseTimeout = ResponseTimeout);
    }

    /// <summary>True when this process runs in a Kubernetes pod that names itself (the chart's environment).</summary>
    public static bool InKubernetesPod() =>
        Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is { Length: > 0 }
        && Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 }
        && Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 };

    private static StackExchange.Redis.ConfigurationOptions RedisOptions(string connection)
    {
        var options = StackExchange.Redis.ConfigurationOptions.Parse(connection);
        // Keep retrying a Redis that is briefly away instead of failing the silo at its first connect.
        options.AbortOnConnectFail = false;
        return options;
    }
}
