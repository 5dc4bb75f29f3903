using System.CommandLine;
using System.Globalization;
using System.Net;
using Controller.Grains.Inference;
using Controller.Host.Hosting;

namespace Controller.Host.Cli;

/// <summary>
/// <c>controller silo --role inference|control</c>: a silo process of one role, an Orleans silo that joins the
/// cluster whose first silo listens at <c>--join</c> (a <c>controller demo</c>, by default on 127.0.0.1:11111).
/// The inference role hosts the stateless <c>inference</c> grains (one per resilient-GNN artifact) that batch the
/// GNN questions of every region of the cluster: the placement filter puts them on inference silos whenever one is
/// up. Artifacts are the bundled ones, directories, or the registry of <c>--state-dir</c> / <c>--blob</c>. The
/// control role is shaped for a cluster (membership, Azure Blob state and Kubernetes come with the cluster issue):
/// today it refuses to start with a line saying so. Runs until Ctrl+C or SIGTERM.
/// </summary>
internal static class SiloCommand
{
    public static Command Create(CliStreams io)
    {
        var role = new Option<string>("--role") { Description = "the silo's role: inference (policy grains serving GNN questions for the cluster's control silos) or control", Required = true };
        role.AcceptOnlyFromAmong("inference", "control");
        var join = new Option<string>("--join") { Description = "HOST:PORT of the cluster's first silo (a 'controller demo' silo port)", DefaultValueFactory = _ => $"127.0.0.1:{SiloSettings.DefaultSiloPort}" };
        var siloPort = SiloSettings.PortOption("--silo-port", "this silo's silo-to-silo port on 127.0.0.1 (0: any free port)", 0);
        var gatewayPort = SiloSettings.PortOption("--gateway-port", "this silo's gateway port on 127.0.0.1 (0: any free port)", 0);
        var backend = new Option<string>("--inference-backend") { Description = "managed (CPU, default) or torch (a PyTorch worker process per artifact, CUDA when available)", DefaultValueFactory = _ => "managed" };
        backend.AcceptOnlyFromAmong([.. InferenceSilo.Backends]);
        var stateDir = new Option<string>("--state-dir") { Description = "state directory whose policy registry is searched for policy names (default: the demo's)", DefaultValueFactory = _ => DemoCommand.DefaultStateDirectory() };
        var blobVariable = new Option<string?>("--blob-from-env") { Description = "name of an environment variable holding the Azure Blob Storage connection string of the registry (instead of --state-dir); secrets never go on the command line" };
        var container = new Option<string>("--container") { Description = "blob container of the registry", DefaultValueFactory = _ => "controller" };
        var command = new Command("silo", "Run a silo of one role that joins a cluster, until Ctrl+C or SIGTERM.")
        {
            role, join, siloPort, gatewayPort, backend, stateDir, blobVariable, container,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            if (parsed.GetRequiredValue(role) == "control")
            {
                throw new CliUsageException("--role control joins a real cluster (Redis or Azure Table membership, Azure Blob state), which comes with the cluster issue; run 'controller demo' for an embedded control silo.");
            }

            var primary = ParseEndpoint(parsed.GetRequiredValue(join));
            var chosen = parsed.GetRequiredValue(backend);
            var stateDirectory = Path.GetFullPath(parsed.GetRequiredValue(stateDir));
            var registry = PolicyCommand.Open(stateDirectory, PolicyCommand.BlobFromEnvironment(parsed.GetValue(blobVariable)), parsed.GetRequiredValue(container));
            // A cache of its own: a control silo on the same state directory materializes into its own.
            var cache = Path.Combine(Path.GetTempPath(), $"controller-silo-{Environment.ProcessId}");
            PolicyCommand.UseRegistry(registry, cache);
            var settings = new SiloSettings
            {
                Role = "inference",
                SiloPort = parsed.GetValue(siloPort) is > 0 and var s ? s : SiloSettings.FreePort(),
                GatewayPort = parsed.GetValue(gatewayPort) is > 0 and var g ? g : SiloSettings.FreePort(),
                Primary = primary,
                Learned = HostPolicies.Learned,
                Backend = chosen,
            };
            var host = await ControllerHost.StartAsync(settings, "none", controllerLogs: true, cancellationToken).ConfigureAwait(false);
            await using (host.ConfigureAwait(false))
            {
                io.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"silo: inference role on 127.0.0.1:{settings.SiloPort}, joined the cluster at {primary} (backend {chosen}; registry {registry.Location}); Ctrl+C to stop"));
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
}
