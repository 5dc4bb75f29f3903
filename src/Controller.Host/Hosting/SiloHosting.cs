using System.Net;
using System.Net.Sockets;
using Controller.Grains.Hosting;
using Controller.Learning.Inference;
using Controller.Persistence;
using Azure.Storage.Blobs.Specialized;
using Controller.Policies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Controller.Host.Hosting;

/// <summary>How one silo of this process is set up: its role, its endpoints and where grain state goes.</summary>
internal sealed record SiloSettings
{
    /// <summary>Default silo-to-silo port (Orleans' own default).</summary>
    public const int DefaultSiloPort = 11111;

    /// <summary>Default gateway port (Orleans' own default).</summary>
    public const int DefaultGatewayPort = 30000;

    /// <summary>The silo's role, as silo metadata: "control" (regions, cells, users, links) or "inference".</summary>
    public string Role { get; init; } = "control";

    /// <summary>Silo-to-silo port on 127.0.0.1.</summary>
    public int SiloPort { get; init; } = DefaultSiloPort;

    /// <summary>Gateway port on 127.0.0.1.</summary>
    public int GatewayPort { get; init; } = DefaultGatewayPort;

    /// <summary>The first silo of the localhost cluster (null: this one is).</summary>
    public IPEndPoint? Primary { get; init; }

    /// <summary>Cluster id (silos of one cluster share it).</summary>
    public string ClusterId { get; init; } = "controller";

    /// <summary>Service id (the name state is kept under).</summary>
    public string ServiceId { get; init; } = "controller";

    /// <summary>How the silo finds the others: localhost development clustering (the default) or a cluster's membership table.</summary>
    public ClusterMembership Membership { get; init; } = ClusterMembership.Localhost;

    /// <summary>The control grains' setup; null on an inference silo.</summary>
    public ControlPlaneSetup? Control { get; init; }

    /// <summary>Learned policies of an inference silo (a control silo takes them from its policies).</summary>
    public LearnedPolicies? Learned { get; init; }

    /// <summary>Inference backend of an inference silo ("managed" or "torchsharp"; a control silo takes it from its options).</summary>
    public string Backend { get; init; } = Controller.Grains.Inference.InferenceSilo.ManagedBackend;

    /// <summary>libtorch intra-op threads of the torchsharp backend.</summary>
    public int TorchThreads { get; init; } = 1;

    /// <summary>
    /// Orleans' activity propagation: every grain call gets a client span under the caller's (a loop's users and cells
    /// below its <c>learn</c> span). On by default when this process exports traces (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>);
    /// off otherwise, because it costs even when nobody listens: at the default <c>bench loop</c> load it took the
    /// silo's gen-0 collections from 8 to 57 per 5 s (README of Controller.Grains).
    /// </summary>
    public bool TraceGrainCalls { get; init; } = Telemetry.TelemetrySetup.Exporting;

    /// <summary>Adds the grain storage provider named <see cref="ControlPlaneHosting.StorageName"/> (null: in memory).</summary>
    public Action<ISiloBuilder>? Storage { get; init; }

    /// <summary>
    /// Asks grain storage whether it answers (for <c>/readyz</c>); throws when it does not. Null: nothing to ask
    /// (in-memory storage).
    /// </summary>
    public Func<CancellationToken, Task>? StorageProbe { get; init; }

    /// <summary>Silo endpoints on free loopback ports, for silos nobody joins from outside (reproductions, benchmarks).</summary>
    public SiloSettings WithFreePorts() => this with { SiloPort = FreePort(), GatewayPort = FreePort() };

    /// <summary>A port option: a whole number in [0, 65535], 0 meaning any free port.</summary>
    public static System.CommandLine.Option<int> PortOption(string name, string description, int defaultPort) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultPort,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port > 65535)
            {
                result.AddError($"{name} must be a port number in [0, 65535] (got '{text}').");
                return 0;
            }

            return port;
        },
    };

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

/// <summary>
/// The one way this executable configures an Orleans silo: localhost clustering (membership and Kubernetes come
/// with the cluster issue), silo metadata carrying the role, Orleans' activity propagation when traces are exported
/// (a loop's trace then includes its grain calls, across silos), in-memory reminders (each region's watchdog), the storage provider,
/// the inference backends (managed, and torchsharp from Controller.Learning), and the control grains' or the inference role's services.
/// </summary>
internal static class SiloHosting
{
    /// <summary>Configures <paramref name="silo"/> as <paramref name="settings"/> say.</summary>
    public static void Configure(ISiloBuilder silo, SiloSettings settings)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Membership.Kind == MembershipKind.Localhost)
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, settings.Primary, settings.ServiceId, settings.ClusterId);
            silo.Configure<EndpointOptions>(endpoints => endpoints.AdvertisedIPAddress = IPAddress.Loopback);
            silo.UseInMemoryReminderService();
            // A silo of this process stops when its owner says so, quickly (state was written by the owner first).
            silo.Configure<SiloMessagingOptions>(messaging => messaging.ResponseTimeout = TimeSpan.FromSeconds(30));
        }
        else
        {
            ClusterHosting.Configure(silo, settings);
        }

        silo.UseSiloMetadata(new Dictionary<string, string> { [ControlPlaneHosting.RoleKey] = settings.Role });
        if (settings.TraceGrainCalls)
        {
            silo.AddActivityPropagation();
        }

        if (settings.Storage is { } storage)
        {
            storage(silo);
        }
        else
        {
            // State that lives and dies with this process (reproductions, in-process benchmarks, an inference silo),
            // in a dictionary rather than Orleans' memory provider, whose storage grains a stopping silo no longer
            // places (the grains' last checkpoints then failed with error logs); the file provider's serializer
            // (System.Text.Json, no type names). See ProcessGrainStorage.
            silo.AddProcessGrainStorage(ControlPlaneHosting.StorageName, new JsonGrainStateSerializer());
        }

        // Registered on every silo; libtorch loads only on a silo that serves the torchsharp backend, while it starts.
        var backend = settings.Control?.Options.InferenceBackend ?? settings.Backend;
        silo.Services.AddTorchSharpInference(new TorchSharpInferenceOptions
        {
            Threads = settings.TorchThreads,
            LoadAtStart = backend == Controller.Grains.Inference.InferenceSilo.TorchSharpBackend,
        });
        if (settings.Control is { } control)
        {
            silo.Services.AddControlPlane(control);
        }
        else
        {
            silo.Services.AddInferenceRole(settings.Learned ?? new LearnedPolicies(), settings.Backend);
        }
    }

    /// <summary>
    /// Grain state in Azure Blob Storage through Orleans' own provider, one blob per grain in
    /// <paramref name="container"/>, written as plain JSON without .NET type names (<see cref="JsonGrainStateSerializer"/>,
    /// the file provider's format) so that renaming a state class orphans no blob. A stale writer gets Orleans'
    /// <c>InconsistentStateException</c> (ETag). Throws <see cref="ArgumentException"/> for a malformed connection string
    /// or container name, without repeating the secret.
    /// </summary>
    public static Action<ISiloBuilder> AzureBlobStorage(string connectionString, string container)
    {
        var client = Controller.Persistence.BlobArtifactStore.CreateContainerClient(connectionString, container);
        return silo => silo.AddAzureBlobGrainStorage(ControlPlaneHosting.StorageName, options =>
        {
            options.BlobServiceClient = client.GetParentBlobServiceClient();
            options.ContainerName = container;
            options.GrainStorageSerializer = new JsonGrainStateSerializer();
        });
    }

    /// <summary>A probe of file storage under <paramref name="directory"/>: a file can be written there and removed.</summary>
    public static Func<CancellationToken, Task> FileStorageProbe(string directory) => async cancellationToken =>
    {
        var probe = Path.Combine(directory, $".ready-{Environment.ProcessId}");
        await File.WriteAllTextAsync(probe, "ready", cancellationToken).ConfigureAwait(false);
        File.Delete(probe);
    };

    /// <summary>A probe of Azure Blob storage: the container exists and answers.</summary>
    public static Func<CancellationToken, Task> BlobStorageProbe(string connectionString, string container)
    {
        var client = Controller.Persistence.BlobArtifactStore.CreateContainerClient(connectionString, container);
        return async cancellationToken =>
        {
            if (!(await client.ExistsAsync(cancellationToken).ConfigureAwait(false)).Value)
            {
                throw new InvalidOperationException("the container does not exist");
            }
        };
    }

    /// <summary>Quiet logs on standard error: warnings and errors, the controller's own information lines when asked.</summary>
    public static void ConfigureLogging(ILoggingBuilder logging, bool controllerInformation)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Warning);
        logging.AddFilter("Controller", controllerInformation ? LogLevel.Information : LogLevel.Warning);
        // Orleans reports its own start and stop as warnings at times (e.g. a silo that could not reach a dead peer
        // while shutting down); errors still show.
        logging.AddFilter("Orleans", LogLevel.Error);
        logging.AddSimpleConsole(console => console.SingleLine = true);
        logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
    }
}
