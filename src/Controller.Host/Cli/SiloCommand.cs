using System.CommandLine;
using System.Globalization;
using System.Net;
using Controller.Grains.Inference;
using Controller.Host.Hosting;
using Controller.Ran.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Controller.Host.Cli;

/// <summary>
/// <c>controller silo --role inference|control</c>: a silo process of one role, an Orleans silo that joins the
/// cluster whose first silo listens at <c>--join</c> (a <c>controller demo</c>, by default on 127.0.0.1:11111).
/// The inference role hosts the stateless <c>inference</c> grains (one per resilient-GNN artifact) that batch the
/// GNN questions of every region of the cluster: the placement filter puts them on inference silos whenever one is
/// up. Artifacts are the bundled ones or the registry of <c>--state-dir</c> / <c>--blob-from-env</c>. The control
/// role (<see cref="RunControlAsync"/>) runs the control grains against an external RAN. Runs until Ctrl+C or SIGTERM.
/// </summary>
internal static class SiloCommand
{
    public static Command Create(CliStreams io)
    {
        var role = new Option<string>("--role") { Description = "the silo's role: inference (policy grains serving GNN questions for the cluster's control silos) or control", Required = true };
        role.AcceptOnlyFromAmong("inference", "control");
        var join = new Option<string>("--join") { Description = "localhost membership: IP:PORT of the cluster's first silo (a 'controller demo' silo port)", DefaultValueFactory = _ => $"127.0.0.1:{SiloSettings.DefaultSiloPort}" };
        var cluster = new ClusterOptionSet();
        var siloPort = SiloSettings.PortOption("--silo-port", "this silo's silo-to-silo port on 127.0.0.1 (0: any free port)", 0);
        var gatewayPort = SiloSettings.PortOption("--gateway-port", "this silo's gateway port on 127.0.0.1 (0: any free port)", 0);
        var inference = new InferenceOptions("silo");
        var backend = inference.Backend;
        var threads = inference.TorchThreads;
        var stateDir = new Option<string>("--state-dir") { Description = "state directory whose policy registry is searched for policy names (default: the demo's)", DefaultValueFactory = _ => DemoCommand.DefaultStateDirectory() };
        var blobVariable = new Option<string?>("--blob-from-env") { Description = "name of an environment variable holding the Azure Blob Storage connection string of the registry (instead of --state-dir); secrets never go on the command line" };
        var container = new Option<string>("--container") { Description = "blob container of the registry", DefaultValueFactory = _ => "controller" };
        var ran = new Option<string?>("--ran") { Description = "control role: URL of the RAN to control ('controller ran-sim --listen URL' or a real RAN's adapter)" };
        var listen = new Option<string>("--listen") { Description = "URL of the HTTP surfaces beside the silo: the API and dashboard on a control silo, /healthz, /readyz and /metrics on both roles ('none': nothing; port 0: any free port)", DefaultValueFactory = _ => "none" };
        var period = CommonOptions.PositiveInt("--period", "control role: loop period of regions that have none stored, ms", 100, Controller.Grains.ControlPlaneOptions.MaxPeriodMs);
        var apiKeyFile = DemoCommand.ApiKeyFileOption();
        var command = new Command("silo", "Run a silo of one role, until Ctrl+C or SIGTERM: inference (joins a cluster) or control (the cluster's first control silo unless --join is given).")
        {
            role, join, siloPort, gatewayPort, backend, threads, stateDir, blobVariable, container, ran, listen, period, apiKeyFile,
        };
        cluster.AddTo(command);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            if (parsed.GetRequiredValue(role) == "control")
            {
                return await RunControlAsync(io, parsed, new ControlOptions(join, siloPort, gatewayPort, stateDir, blobVariable, container, ran, listen, period, backend, threads, apiKeyFile, cluster), cancellationToken).ConfigureAwait(false);
            }

            var inferenceListen = parsed.GetRequiredValue(listen);
            RequireKeyBeyondLoopback(inferenceListen, parsed.GetValue(apiKeyFile));
            var membership = cluster.Resolve(parsed, parsed.GetResult(join) is { Implicit: false });
            var primary = membership.Kind == MembershipKind.Localhost ? ParseEndpoint(parsed.GetRequiredValue(join)) : null;
            var chosen = parsed.GetRequiredValue(backend);
            var stateDirectory = Path.GetFullPath(parsed.GetRequiredValue(stateDir));
            var registry = PolicyCommand.Open(stateDirectory, PolicyCommand.BlobFromEnvironment(parsed.GetValue(blobVariable)), parsed.GetRequiredValue(container));
            // A cache of its own: a control silo on the same state directory materializes into its own.
            var cache = Path.Combine(Path.GetTempPath(), $"controller-silo-{Environment.ProcessId}");
            using var registryScope = PolicyCommand.UseRegistry(registry, cache);
            var settings = new SiloSettings
            {
                Role = "inference",
                SiloPort = parsed.GetValue(siloPort) is > 0 and var s ? s : SiloSettings.FreePort(),
                GatewayPort = parsed.GetValue(gatewayPort) is > 0 and var g ? g : SiloSettings.FreePort(),
                Primary = primary,
                Membership = membership,
                ClusterId = cluster.ClusterId(parsed),
                ServiceId = cluster.ServiceId(parsed),
                Learned = HostPolicies.Learned,
                Backend = chosen,
                TorchThreads = parsed.GetValue(threads),
            };
            var apiSettings = inferenceListen == "none" ? null : DemoCommand.ApiFor(inferenceListen, parsed.GetValue(apiKeyFile), stateDirectory, registry, io);
            var host = await StartHostAsync(settings, inferenceListen, apiSettings, cancellationToken).ConfigureAwait(false);
            await using (host.ConfigureAwait(false))
            {
                var joined = primary is null ? $"joined the cluster through {membership}" : $"joined the cluster at {primary}";
                io.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"silo: inference role on {membership.Advertised}:{settings.SiloPort}, {joined} (backend {chosen}; registry {registry.Location}){(host.Address is { } api ? $"; health and metrics on {api}" : "")}; Ctrl+C to stop"));
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C or SIGTERM: the normal way to stop.
                }
            }

            if (Directory.Exists(cache))
            {
                Directory.Delete(cache, recursive: true);
            }

            io.Error.WriteLine("silo: stopped");
            return 0;
        });
        return command;
    }

    /// <summary>HOST:PORT with an IP address (the localhost cluster's silos are addressed by IP).</summary>
    internal static IPEndPoint ParseEndpoint(string text) =>
        IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port > 0
            ? endpoint
            : throw new CliUsageException($"--join must be IP:PORT of the cluster's first silo, such as 127.0.0.1:{SiloSettings.DefaultSiloPort} (got '{text}').");

    /// <summary>
    /// <c>--role control</c>: a control silo of a localhost cluster with an external RAN. Without <c>--join</c> it is
    /// the cluster's first silo and starts every region's loop; with it, it joins and hosts the control grains placed
    /// on it (regions activated later, or reactivated by their watchdog after a silo died). State goes to files under
    /// <c>--state-dir</c> (locked; then it must be the only control silo) or to Azure Blob (<c>--blob-from-env</c>),
    /// which every control silo of the cluster must share. Membership beyond localhost comes with the cluster issue.
    /// On Ctrl+C its grains deactivate and write their state; loops stay marked running, so their watchdogs bring
    /// them back wherever the cluster reactivates them.
    /// </summary>
    private static async Task<int> RunControlAsync(CliStreams io, ParseResult parsed, ControlOptions options, CancellationToken cancellationToken)
    {
        var ranUrl = parsed.GetValue(options.Ran) ?? throw new CliUsageException("--role control needs --ran URL: the RAN it controls.");
        var joining = parsed.GetResult(options.Join) is { Implicit: false };
        var directory = Path.GetFullPath(parsed.GetRequiredValue(options.StateDir));
        var blob = PolicyCommand.BlobFromEnvironment(parsed.GetValue(options.Blob));
        var container = parsed.GetRequiredValue(options.Container);
        if (blob is null && joining)
        {
            throw new CliUsageException("A control silo that joins a cluster needs the state every control silo shares: --blob-from-env VAR (Azure Blob Storage).");
        }

        var listen = parsed.GetRequiredValue(options.Listen);
        RequireKeyBeyondLoopback(listen, parsed.GetValue(options.ApiKeyFile));
        var membership = options.Cluster.Resolve(parsed, joining);
        var clustered = membership.Kind != MembershipKind.Localhost;
        if (clustered && blob is null)
        {
            throw new CliUsageException($"A control silo of a {ClusterMembership.Name(membership.Kind)} cluster needs the state every control silo shares: --blob-from-env VAR (Azure Blob Storage).");
        }

        var primary = joining && !clustered ? ParseEndpoint(parsed.GetRequiredValue(options.Join)) : null;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var siloPort = parsed.GetValue(options.SiloPort) is > 0 and var chosenPort ? chosenPort : SiloSettings.FreePort();
        // The RAN's control log names who pushed each decision: host, process and silo port identify this silo.
        var controllerId = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}:{siloPort}");
        var adapter = new RanHttpClient(http, DemoCommand.ParseRanUrl(ranUrl), controllerId);
        var registry = PolicyCommand.Open(directory, blob, container);
        await PolicyCommand.EnsureBlobReachableAsync(blob, container, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(directory);
        using var stateLock = blob is null ? DemoCommand.LockStateDirectory(directory) : null;
        using var registryScope = PolicyCommand.UseRegistry(registry, Path.Combine(directory, ".policies"));
        Controller.Grains.Hosting.ControlPlaneSetup setup;
        try
        {
            setup = await Controller.Grains.Hosting.ControlPlaneSetup.ConnectAsync(
                adapter,
                new Controller.Grains.ControlPlaneOptions
                {
                    PeriodMs = parsed.GetValue(options.Period),
                    InferenceSilo = true,
                    InferenceBackend = parsed.GetRequiredValue(options.Backend),
                    // In a cluster every control silo keeps every region running (start, silo deaths, every 5 s).
                    RegionSweepPeriod = clustered ? TimeSpan.FromSeconds(5) : null,
                },
                HostPolicies.Provider,
                cancellationToken).ConfigureAwait(false);
        }
        catch (Controller.Ran.Contract.RanUnavailableException exception)
        {
            throw new CliUsageException($"Cannot reach the RAN at {ranUrl}: {exception.Message}");
        }

        // As in the demo: regions of an ISAC RAN steer beams (isac-robust) unless they have a policy stored.
        setup = setup with { Options = setup.Options with { Policy = DemoCommand.DefaultPolicy(setup.Topology) } };
        if (setup.Topology.Regions.Select(r => r.Scenario).Distinct(StringComparer.Ordinal).ToList() is [var scenarioName])
        {
            // The JIT warm-up of the demo, on the scenario's default sizes (the RAN does not send its settings).
            DemoCommand.WarmUp(io.Error, "silo", scenarioName, [], setup.Options.Policy, setup.Options.Seed, cancellationToken);
        }

        var settings = new SiloSettings
        {
            Role = Controller.Grains.Hosting.ControlPlaneHosting.ControlRole,
            SiloPort = siloPort,
            GatewayPort = parsed.GetValue(options.GatewayPort) is > 0 and var g ? g : SiloSettings.FreePort(),
            Primary = primary,
            Membership = membership,
            ClusterId = options.Cluster.ClusterId(parsed),
            ServiceId = options.Cluster.ServiceId(parsed),
            Control = setup,
            TorchThreads = parsed.GetValue(options.TorchThreads),
            Storage = blob is null
                ? silo => Controller.Persistence.FileGrainStorageSiloBuilderExtensions.AddFileGrainStorage(silo, Controller.Grains.Hosting.ControlPlaneHosting.StorageName, files => files.RootDirectory = directory)
                : SiloHosting.AzureBlobStorage(blob, container),
            StorageProbe = blob is null ? SiloHosting.FileStorageProbe(directory) : SiloHosting.BlobStorageProbe(blob, container),
        };
        var apiSettings = DemoCommand.ApiFor(listen, parsed.GetValue(options.ApiKeyFile), directory, registry, io);
        var host = await StartHostAsync(settings, listen, apiSettings, cancellationToken).ConfigureAwait(false);
        await using (host.ConfigureAwait(false))
        {
            var topology = host.Services.GetRequiredService<Controller.Grains.ControlTopology>();
            if (!joining && !clustered)
            {
                await Controller.Grains.ControlRegions.StartAllAsync(host.Grains, topology, policy: null, periodMs: 0, cancellationToken).ConfigureAwait(false);
            }

            var where = clustered ? $", joined the cluster through {membership}" : joining ? $", joined the cluster at {primary}" : ", the cluster's first silo";
            io.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"silo: control role on {membership.Advertised}:{settings.SiloPort}{where}; {topology.Regions.Count} regions of {ranUrl} (policy: each region's stored one, else {setup.Options.Policy}); state in {(blob is null ? directory : registry.Location)}{(host.Address is { } api ? $"; dashboard and API on {api}" : "")}; Ctrl+C to stop"));
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: the grains deactivate with the host and write their state.
            }

            var view = host.Services.GetRequiredService<Controller.Grains.ControlPlaneMonitor>().Aggregate();
            io.Output.WriteLine(DemoCommand.Summary(view));
        }

        io.Error.WriteLine("silo: stopped");
        return 0;
    }

    private sealed record ControlOptions(
        Option<string> Join,
        Option<int> SiloPort,
        Option<int> GatewayPort,
        Option<string> StateDir,
        Option<string?> Blob,
        Option<string> Container,
        Option<string?> Ran,
        Option<string> Listen,
        Option<int> Period,
        Option<string> Backend,
        Option<int> TorchThreads,
        Option<string?> ApiKeyFile,
        ClusterOptionSet Cluster);

    /// <summary>Listening beyond loopback needs a key (environment variable or file, never the command line).</summary>
    private static void RequireKeyBeyondLoopback(string listen, string? apiKeyFile)
    {
        if (listen != "none" && !Api.ApiAccess.IsLoopback(listen) && Environment.GetEnvironmentVariable(Api.ApiAccess.KeyVariable) is not { Length: > 0 }
            && (apiKeyFile ?? Environment.GetEnvironmentVariable(Api.ApiAccess.KeyFileVariable)) is not { Length: > 0 })
        {
            throw new CliUsageException($"the API would listen beyond loopback ({listen}) with no key: {Api.ApiAccess.HowToSetKey}, or listen on http://127.0.0.1:PORT.");
        }
    }

    /// <summary>Starts the host; a cluster whose membership table cannot be reached is one line naming it (never its secret).</summary>
    private static async Task<ControllerHost> StartHostAsync(SiloSettings settings, string listen, Api.ApiSettings? api, CancellationToken cancellationToken)
    {
        try
        {
            return await ControllerHost.StartAsync(settings, listen, controllerLogs: true, cancellationToken, api).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not CliUsageException and not OperationCanceledException && settings.Membership.Kind != MembershipKind.Localhost)
        {
            var reason = exception.GetBaseException().Message.ReplaceLineEndings(" ");
            if (settings.Membership.ConnectionString is { Length: > 0 } secret)
            {
                reason = reason.Replace(secret, "(connection string)", StringComparison.Ordinal);
            }

            throw new CliUsageException($"cannot join the cluster through {settings.Membership}: {reason}");
        }
    }
}

/// <summary>
/// The options that say how a silo finds its cluster: <c>--membership</c> (redis, the default; azure-table; localhost,
/// implied by <c>--join</c>), the environment variables holding the table's connection string, the cluster and service
/// ids and the address to advertise. In a Kubernetes pod (POD_NAME, POD_NAMESPACE set) Orleans' Kubernetes hosting
/// takes the address and the ids from the pod instead.
/// </summary>
internal sealed class ClusterOptionSet
{
    private static readonly System.Text.RegularExpressions.Regex IdPattern = new("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public Option<string?> Membership { get; } = new("--membership")
    {
        Description = "how silos find each other: redis (default; CONTROLLER_REDIS), azure-table (CONTROLLER_AZURE_TABLE) or localhost (one machine, first silo at --join; implied by --join)",
    };

    public Option<string> RedisVariable { get; } = new("--redis-from-env")
    {
        Description = "environment variable holding the Redis configuration string (host:port[,password=...]) of the membership table and reminders",
        DefaultValueFactory = _ => "CONTROLLER_REDIS",
    };

    public Option<string> TableVariable { get; } = new("--table-from-env")
    {
        Description = "environment variable holding the Azure Storage connection string of the membership table and reminders",
        DefaultValueFactory = _ => "CONTROLLER_AZURE_TABLE",
    };

    public Option<string> Cluster { get; } = new("--cluster-id") { Description = "cluster id: silos of one cluster share it (in a pod: its orleans/clusterId label)", DefaultValueFactory = _ => "controller" };

    public Option<string> Service { get; } = new("--service-id") { Description = "service id: the name state and reminders are kept under (in a pod: its orleans/serviceId label)", DefaultValueFactory = _ => "controller" };

    public Option<string> Advertise { get; } = new("--advertise") { Description = "IP address other silos reach this one at (cluster membership; not loopback: the silo listens on every address)", DefaultValueFactory = _ => "127.0.0.1" };

    public ClusterOptionSet()
    {
        Membership.AcceptOnlyFromAmong("redis", "azure-table", "localhost");
        foreach (var id in new[] { Cluster, Service })
        {
            id.Validators.Add(result =>
            {
                var value = result.GetValueOrDefault<string>();
                if (value is null || !IdPattern.IsMatch(value))
                {
                    result.AddError($"{result.Option.Name} must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit (got '{value}').");
                }
            });
        }

        Advertise.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!IPAddress.TryParse(value, out var address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
            {
                result.AddError($"--advertise must be the IP address of one of this machine's interfaces, such as 10.0.0.5 (got '{value}').");
            }
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Membership);
        command.Options.Add(RedisVariable);
        command.Options.Add(TableVariable);
        command.Options.Add(Cluster);
        command.Options.Add(Service);
        command.Options.Add(Advertise);
    }

    public string ClusterId(ParseResult parsed) => parsed.GetRequiredValue(Cluster);

    public string ServiceId(ParseResult parsed) => parsed.GetRequiredValue(Service);

    /// <summary>The membership the options ask for; a missing or malformed connection string is a usage error naming the variable.</summary>
    public ClusterMembership Resolve(ParseResult parsed, bool joinGiven)
    {
        var kind = parsed.GetValue(Membership) switch
        {
            "localhost" => MembershipKind.Localhost,
            "azure-table" => MembershipKind.AzureTable,
            "redis" => MembershipKind.Redis,
            _ => joinGiven ? MembershipKind.Localhost : MembershipKind.Redis,
        };
        if (joinGiven && kind != MembershipKind.Localhost)
        {
            throw new CliUsageException($"--join belongs to localhost membership; a {ClusterMembership.Name(kind)} cluster is found through its table (drop --join).");
        }

        var advertised = IPAddress.Parse(parsed.GetRequiredValue(Advertise));
        if (kind == MembershipKind.Localhost)
        {
            return ClusterMembership.Localhost;
        }

        var variable = parsed.GetRequiredValue(kind == MembershipKind.Redis ? RedisVariable : TableVariable);
        var connection = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new CliUsageException(kind == MembershipKind.Redis
                ? $"{ClusterMembership.Name(kind)} membership reads the Redis configuration string from ${variable}, which is not set: export {variable}=HOST:PORT (or --membership localhost for one machine)."
                : $"{ClusterMembership.Name(kind)} membership reads the Azure Storage connection string from ${variable}, which is not set: export {variable}='DefaultEndpointsProtocol=...' (or --membership localhost for one machine).");
        }

        try
        {
            return ClusterMembership.Create(kind, connection, advertised, ClusterHosting.InKubernetesPod());
        }
        catch (ArgumentException exception)
        {
            throw new CliUsageException($"${variable}: {exception.Message}");
        }
    }
}
