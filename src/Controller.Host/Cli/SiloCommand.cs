using System.CommandLine;
using Controller.Grains.Inference;
using Controller.Runtime.Cluster;
using Controller.Runtime.Grains;

namespace Controller.Host.Cli;

/// <summary>
/// <c>controller silo --role inference</c>: a silo process of one role. The inference role hosts the stateless
/// <c>inference</c> grains (one per resilient-GNN artifact) that batch the GNN questions of every region of every
/// control silo pointed at it (<c>controller demo --inference-silo URL</c>); it serves silo-to-silo calls over
/// HTTP/2 until Ctrl+C or SIGTERM. Artifacts are the bundled ones, directories, or the registry of
/// <c>--state-dir</c> / <c>--blob</c> (the same storage as the control silos, so imported policies are found).
/// </summary>
internal static class SiloCommand
{
    /// <summary>Default port of silo-to-silo calls (Orleans' silo port, as operators know it).</summary>
    public const int DefaultPort = 11111;

    public static Command Create(CliStreams io)
    {
        var role = new Option<string>("--role") { Description = "the silo's role: inference (policy grains serving GNN questions for control silos)", Required = true };
        role.AcceptOnlyFromAmong("inference");
        var listen = new Option<string>("--listen") { Description = "URL of silo-to-silo calls (HTTP/2 without TLS; port 0: any free port)", DefaultValueFactory = _ => $"http://127.0.0.1:{DefaultPort}" };
        var backend = new Option<string>("--inference-backend") { Description = "managed (CPU, default) or torch (a PyTorch worker process per artifact, CUDA when available)", DefaultValueFactory = _ => "managed" };
        backend.AcceptOnlyFromAmong([.. InferenceSilo.Backends]);
        var stateDir = new Option<string>("--state-dir") { Description = "state directory whose policy registry is searched for policy names (default: the demo's)", DefaultValueFactory = _ => DemoCommand.DefaultStateDirectory() };
        var blob = new Option<string?>("--blob") { Description = "Azure Blob Storage connection string of the registry instead of --state-dir" };
        var container = new Option<string>("--container") { Description = "blob container of the registry", DefaultValueFactory = _ => "controller" };
        var command = new Command("silo", "Run a silo of one role (inference) until Ctrl+C or SIGTERM.")
        {
            role, listen, backend, stateDir, blob, container,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var url = RanSimCommand.CheckListen(parsed.GetRequiredValue(listen), $"silo calls are served under {SiloServer.CallsPath}");
            var chosen = parsed.GetRequiredValue(backend);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var stateDirectory = Path.GetFullPath(parsed.GetRequiredValue(stateDir));
            var registry = PolicyCommand.Open(stateDirectory, parsed.GetValue(blob), parsed.GetRequiredValue(container), http);
            // A cache of its own: a control silo on the same state directory materializes into its own.
            var cache = Path.Combine(Path.GetTempPath(), $"controller-silo-{Environment.ProcessId}");
            PolicyCommand.UseRegistry(registry, cache);
            var runtime = InferenceSilo.Register(new GrainRuntimeBuilder(), HostPolicies.Learned, chosen).Build();
            await using (runtime.ConfigureAwait(false))
            {
                SiloServer server;
                try
                {
                    server = await SiloServer.StartAsync(runtime, new SiloServerOptions { Listen = url, ConfigureLogging = RanSimCommand.LogWarningsTo }, cancellationToken).ConfigureAwait(false);
                }
                catch (IOException exception)
                {
                    throw new CliUsageException($"{exception.Message} (pick another --listen)");
                }

                await using (server.ConfigureAwait(false))
                {
                    io.Error.WriteLine($"silo: inference role listening on {server.Address} (HTTP/2, backend {chosen}; registry {registry.Location}); Ctrl+C to stop");
                    try
                    {
                        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        // Ctrl+C or SIGTERM: the normal way to stop.
                    }
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
}
