using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Controller.Grains;
using Controller.Optimization.Isac;
using Controller.Optimization.Policies;
using Controller.Policies;
using Controller.Radio;
using Controller.Radio.Evaluation;
using Controller.Radio.Scenarios;
using Controller.Ran.Contract;
using Controller.Ran.Http;
using Controller.Ran.Simulation;
using Controller.Grains.Hosting;
using Controller.Grains.Inference;
using Controller.Host.Hosting;
using Controller.Persistence;
using Microsoft.Extensions.DependencyInjection;

namespace Controller.Host.Cli;

/// <summary>
/// <c>controller demo</c>: the embedded controller in one process — the RAN simulator (or an external one with
/// <c>--ran URL</c>), one silo with file state under <c>--state-dir</c>, every region's loop on its timer, the
/// minimal HTTP API and a live console view. Started again on the same state directory it resumes users'
/// duals, averages and ALCOR state, regions' policies and operator demands.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(CliStreams io)
    {
        var common = new CommonOptions();
        var stateDir = new Option<string>("--state-dir") { Description = "directory of the grains' state files (created if missing; reused to resume); default $XDG_STATE_HOME/controller/demo", DefaultValueFactory = _ => DefaultStateDirectory() };
        var duration = new Option<int>("--duration")
        {
            Description = "seconds to run, 0 = until Ctrl+C",
            DefaultValueFactory = _ => 0,
            CustomParser = result => ParseRange(result, 0, 30 * 86_400),
        };
        var policy = new Option<string?>("--policy") { Description = $"policy of every region (default: each region's stored policy, else {ControlPlaneOptions.DefaultPolicy}; {IsacPolicy.RobustName} on the isac scenario)" };
        var scenario = new Option<string>("--scenario") { Description = "scenario the simulated regions are drawn from", DefaultValueFactory = _ => RanSimulatorOptions.DefaultScenario };
        var regions = CommonOptions.PositiveInt("--regions", "simulated regions (resilient-rrm: 4 cells and 40 users each)", 8, RanSimulatorOptions.MaxRegions);
        var period = CommonOptions.PositiveInt("--period", "loop period of every region, ms", 100, ControlPlaneOptions.MaxPeriodMs);
        var listen = new Option<string>("--listen") { Description = "URL of the silo's HTTP API (port 0: any free port; 'none': no API)", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var ran = new Option<string?>("--ran") { Description = "URL of an external RAN ('controller ran-sim --listen URL') instead of the built-in simulator" };
        var schedule = CommonOptions.DemandChanges();
        var inference = new InferenceOptions("silo");
        var blob = new Option<string?>("--blob-from-env") { Description = "name of an environment variable holding an Azure Blob Storage connection string: grain state and the policy registry then live in Azure Blob Storage (Orleans' provider) instead of --state-dir, which keeps only the lock and caches; secrets never go on the command line" };
        var container = new Option<string>("--container") { Description = "blob container of the grain state and the registry (with --blob-from-env)", DefaultValueFactory = _ => "controller" };
        var siloPortOption = SiloSettings.PortOption("--silo-port", "the Orleans silo-to-silo port on 127.0.0.1 (inference silos join here; 0: any free port)", SiloSettings.DefaultSiloPort);
        var gatewayPortOption = SiloSettings.PortOption("--gateway-port", "the Orleans gateway port on 127.0.0.1 (0: any free port)", SiloSettings.DefaultGatewayPort);
        var apiKeyFile = ApiKeyFileOption();
        var view = new Option<string>("--view") { Description = "console view: live (redrawn), lines (one line per refresh) or auto", DefaultValueFactory = _ => "auto" };
        view.AcceptOnlyFromAmong("auto", "live", "lines");
        var command = new Command("demo", "Run the embedded controller on a simulated network with a live console view.")
        {
            stateDir, duration, policy, scenario, common.Set, regions, period, common.Seed, schedule, inference.Place, inference.Backend, inference.TorchThreads, listen, ran, view, siloPortOption, gatewayPortOption, blob, container, apiKeyFile,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var spec = parsed.GetValue(policy);
            var directory = Path.GetFullPath(parsed.GetRequiredValue(stateDir));
            if (spec is not null && !LearnedPolicies.Recognizes(spec) && !spec.Contains("gnn:", StringComparison.Ordinal))
            {
                // Baselines are checked before anything starts; learned names may live in the registry, checked once it is open.
                HostPolicies.Provider.Validate(spec);
            }

            var ranUrl = parsed.GetValue(ran);
            using var http = ranUrl is null ? null : new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            IRanAdapter adapter = ranUrl is null
                ? new RanSimulator(new RanSimulatorOptions
                {
                    Scenario = parsed.GetRequiredValue(scenario),
                    Settings = ScenarioSettings.ParseAssignments(parsed.GetValue(common.Set) ?? []),
                    Regions = parsed.GetValue(regions),
                    Seed = parsed.GetValue(common.Seed),
                    DemandSchedule = parsed.GetValue(schedule) ?? [],
                })
                : new RanHttpClient(http!, ParseRanUrl(ranUrl));
            if (ranUrl is not null && parsed.GetValue(schedule) is { Length: > 0 })
            {
                throw new CliUsageException("--demand-change schedules the built-in simulator; with --ran, give it to 'controller ran-sim' instead.");
            }

            var throughInferenceGrains = inference.Read(parsed);
            var listenUrl = parsed.GetRequiredValue(listen);
            if (!Api.ApiAccess.IsLoopback(listenUrl) && Environment.GetEnvironmentVariable(Api.ApiAccess.KeyVariable) is not { Length: > 0 }
                && (parsed.GetValue(apiKeyFile) ?? Environment.GetEnvironmentVariable(Api.ApiAccess.KeyFileVariable)) is not { Length: > 0 })
            {
                // Refused before anything starts or touches the disk.
                throw new CliUsageException($"the API would listen beyond loopback ({listenUrl}) with no key: {Api.ApiAccess.HowToSetKey}, or listen on http://127.0.0.1:PORT.");
            }

            var siloPort = parsed.GetValue(siloPortOption) is > 0 and var chosenSilo ? chosenSilo : SiloSettings.FreePort();
            var gatewayPort = parsed.GetValue(gatewayPortOption) is > 0 and var chosenGateway ? chosenGateway : SiloSettings.FreePort();

            ControlPlaneSetup setup;
            try
            {
                setup = await ControlPlaneSetup.ConnectAsync(adapter, new ControlPlaneOptions { PeriodMs = parsed.GetValue(period), Seed = parsed.GetValue(common.Seed), InferenceSilo = throughInferenceGrains, InferenceBackend = parsed.GetRequiredValue(inference.Backend) }, HostPolicies.Provider, cancellationToken).ConfigureAwait(false);
            }
            catch (RanUnavailableException exception)
            {
                throw new CliUsageException($"Cannot reach the RAN at {ranUrl}: {exception.Message}");
            }

            // A region with no stored policy runs isac-robust on an ISAC RAN (built-in or --ran), else alcor(itlinq).
            var defaultPolicy = DefaultPolicy(setup.Topology);
            setup = setup with { Options = setup.Options with { Policy = defaultPolicy } };

            // Only once the inputs are known good does the demo touch the disk; the directory is this process's
            // until it exits (a second demo on it stops here, naming the holder).
            var blobConnection = PolicyCommand.BlobFromEnvironment(parsed.GetValue(blob));
            var blobContainer = parsed.GetRequiredValue(container);
            var registry = PolicyCommand.Open(directory, blobConnection, blobContainer);
            await PolicyCommand.EnsureBlobReachableAsync(blobConnection, blobContainer, cancellationToken).ConfigureAwait(false);
            var resuming = blobConnection is null && Directory.Exists(directory) && Directory.EnumerateFiles(directory, "*" + FileGrainStorage.StateFileExtension, SearchOption.AllDirectories).Any();
            Directory.CreateDirectory(directory);
            using var stateLock = LockStateDirectory(directory);
            // Policies imported into this silo's registry ('controller policy import') are selectable by name.
            using var registryScope = PolicyCommand.UseRegistry(registry, Path.Combine(directory, ".policies"));
            if (spec is not null)
            {
                HostPolicies.Provider.Validate(spec);
            }

            // The grains' ids repeat across networks: never resume state saved for another one.
            DemoNetworkIdentity.RecordOrCheck(directory, setup.Topology);
            var settings = new SiloSettings
            {
                SiloPort = siloPort,
                GatewayPort = gatewayPort,
                Control = setup,
                TorchThreads = parsed.GetValue(inference.TorchThreads),
                Storage = blobConnection is null
                    ? silo => silo.AddFileGrainStorage(ControlPlaneHosting.StorageName, files => files.RootDirectory = directory)
                    : SiloHosting.AzureBlobStorage(blobConnection, blobContainer),
                StorageProbe = blobConnection is null ? SiloHosting.FileStorageProbe(directory) : SiloHosting.BlobStorageProbe(blobConnection, blobContainer),
            };
            if (ranUrl is null)
            {
                // With --ran the scenario's settings are the RAN's; the silo verb warms up on the scenario's defaults.
                WarmUp(io.Error, "demo", parsed.GetRequiredValue(scenario), ScenarioSettings.ParseAssignments(parsed.GetValue(common.Set) ?? []), spec ?? defaultPolicy, parsed.GetValue(common.Seed), cancellationToken);
            }

            var api = ApiFor(listenUrl, parsed.GetValue(apiKeyFile), directory, registry, io);
            var host = await ControllerHost.StartAsync(settings, listenUrl, controllerLogs: true, cancellationToken, api).ConfigureAwait(false);
            await using (host.ConfigureAwait(false))
            {
                var topology = host.Services.GetRequiredService<ControlTopology>();
                var monitor = host.Services.GetRequiredService<ControlPlaneMonitor>();
                io.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"demo: {topology.Regions.Count} regions, {topology.CellCount} cells, {topology.UserCount} users from {(ranUrl is null ? "the built-in simulator" : ranUrl)}; state in {(blobConnection is null ? directory : registry.Location)}{(resuming ? " (resuming)" : "")}"));
                io.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"demo: Orleans silo on 127.0.0.1:{siloPort} (gateway {gatewayPort}); inference silos join with 'controller silo --role inference --join 127.0.0.1:{siloPort}'"));
                if (host.Address is { } address)
                {
                    io.Error.WriteLine($"demo: dashboard on {address} (Orleans' dashboard {address}orleans/)");
                    io.Error.WriteLine($"demo: API on {address} (reference {address}scalar/, OpenAPI {address}openapi/v1.json, Prometheus {address}metrics, readiness {address}readyz)");
                }

                await host.Grains.StartAllAsync(topology, spec, parsed.GetValue(period), cancellationToken).ConfigureAwait(false);
                io.Error.WriteLine(spec is null
                    ? $"demo: policy: each region's stored one, else {defaultPolicy}"
                    : $"demo: policy: {spec}");
                io.Error.WriteLine(parsed.GetValue(duration) > 0 ? $"demo: running for {parsed.GetValue(duration)} s" : "demo: running; Ctrl+C to stop");
                var live = parsed.GetRequiredValue(view) switch
                {
                    "live" => true,
                    "lines" => false,
                    _ => ReferenceEquals(io.Output, Console.Out) && !Console.IsOutputRedirected,
                };
                await RunViewAsync(monitor, io.Output, live, parsed.GetValue(duration), cancellationToken).ConfigureAwait(false);
                await host.Grains.StopAllAsync(topology, CancellationToken.None).ConfigureAwait(false);
                var final = monitor.Aggregate();
                io.Output.WriteLine(Summary(final));
                if (setup.Options.InferenceSilo)
                {
                    await ReportInferenceAsync(host.Grains, final, io.Error).ConfigureAwait(false);
                }

                if (final.LastFailure is { } failure)
                {
                    io.Error.WriteLine($"demo: {final.FailedLoops} loops failed; the last: {failure}");
                }
            }

            io.Error.WriteLine($"demo: state saved in {directory}; run the same command again to resume");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// <c>--api-key-file PATH</c>: a file of API keys (the path is no secret; the keys in it are). The same as
    /// <c>CONTROLLER_API_KEY_FILE</c>.
    /// </summary>
    internal static Option<string?> ApiKeyFileOption() => new("--api-key-file")
    {
        Description = $"file holding the API key(s) that mutating routes need, one a line (or set {Api.ApiAccess.KeyVariable} / {Api.ApiAccess.KeyFileVariable}); on loopback without one a key is generated into STATE-DIR/{Api.ApiAccess.GeneratedKeyFileName}",
    };

    /// <summary>
    /// The API's settings for a silo verb: keys resolved (<see cref="Api.ApiAccess.Resolve"/>), the registry to list.
    /// Says on stderr where the keys come from, never a key.
    /// </summary>
    internal static Api.ApiSettings? ApiFor(string listen, string? keyFile, string stateDirectory, ArtifactRegistry registry, CliStreams io)
    {
        if (listen == "none")
        {
            return null;
        }

        var (access, generated) = Api.ApiAccess.Resolve(listen, keyFile, stateDirectory);
        io.Error.WriteLine(generated is not null
            ? $"api: mutating routes need the key in {generated} (send 'Authorization: Bearer $(cat {generated})'); reads are open on loopback"
            : $"api: mutating routes{(access.ReadsNeedKey ? " and reads" : "")} need a key from {access.Source}");
        return new Api.ApiSettings { Access = access, Registry = registry };
    }

    /// <summary>Takes the state directory for this process; a second process on it is a user mistake named in one line.</summary>
    internal static StateDirectoryLock LockStateDirectory(string directory)
    {
        try
        {
            return StateDirectoryLock.Acquire(directory);
        }
        catch (StateDirectoryLockedException exception)
        {
            throw new CliUsageException(exception.Message);
        }
    }

    private static async Task RunViewAsync(ControlPlaneMonitor monitor, TextWriter output, bool live, int durationSeconds, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        var end = durationSeconds > 0 ? started.AddSeconds(durationSeconds) : DateTime.MaxValue;
        var lastLine = -1L;
        while (!cancellationToken.IsCancellationRequested && DateTime.UtcNow < end)
        {
            var remaining = end - DateTime.UtcNow;
            var wait = remaining < TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1);
            if (wait <= TimeSpan.Zero)
            {
                break;
            }

            try
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break; // Ctrl+C: stop and save.
            }

            var viewNow = monitor.Aggregate();
            var elapsed = DateTime.UtcNow - started;
            if (live)
            {
                output.Write("\u001b[H\u001b[2J");
                output.Write(Render(viewNow, elapsed));
            }
            else if ((long)Math.Round(elapsed.TotalSeconds) != lastLine)
            {
                lastLine = (long)Math.Round(elapsed.TotalSeconds);
                output.WriteLine(Line(viewNow, elapsed));
            }

            output.Flush();
        }
    }

    /// <summary>One line per refresh, for logs and pipes.</summary>
    internal static string Line(ControlPlaneView view, TimeSpan elapsed) => string.Create(CultureInfo.InvariantCulture,
        $"t={elapsed.TotalSeconds:F0}s loops={view.Loops} loop-p50={view.LoopP50Ms:F2}ms loop-p99={view.LoopP99Ms:F2}ms mean-rate={view.MeanRate:F3} p5-rate={view.FifthPercentileRate:F3} violations={view.Violations}/{view.UsersWithDemand} rejected={view.RejectedTelemetry} unavailable={view.Unavailable} overruns={view.Overruns} failed={view.FailedLoops}");

    /// <summary>The live view: totals, then the most constrained users.</summary>
    internal static string Render(ControlPlaneView view, TimeSpan elapsed)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new System.Text.StringBuilder();
        text.AppendLine(string.Create(c, $"controller demo  {elapsed:hh\\:mm\\:ss}   {view.Regions} regions, {view.Users} users   policies: {string.Join(", ", view.Policies.Select(p => $"{p.Key} x{p.Value}"))}"));
        text.AppendLine(string.Create(c, $"loops {view.Loops,10}   loop latency p50 {view.LoopP50Ms,7:F2} ms   p99 {view.LoopP99Ms,7:F2} ms   overruns {view.Overruns}"));
        text.AppendLine(string.Create(c, $"rate  mean {view.MeanRate,7:F3} bps/Hz   5th percentile {view.FifthPercentileRate,7:F3} bps/Hz"));
        text.AppendLine(string.Create(c, $"demand violations {view.Violations} of {view.UsersWithDemand} users   rejected telemetry {view.RejectedTelemetry}   RAN unavailable {view.Unavailable}   failed loops {view.FailedLoops}"));
        if (view.LastFailure is { } failure)
        {
            text.AppendLine($"last failed loop: {failure}");
        }

        text.AppendLine();
        text.AppendLine("most constrained users   rate avg   demand       mu    slack  alcor-lambda");
        foreach (var user in view.TopConstrained)
        {
            text.AppendLine(string.Create(c, $"{user.UserId,-22} {user.RateAverage,9:F3} {user.Demand,8:F3} {user.Mu,8:F3} {user.Slack,8:F3} {(double.IsNaN(user.AlcorLambda) ? "-" : user.AlcorLambda.ToString("F3", c)),13}"));
        }

        if (view.TopConstrained.Count == 0)
        {
            text.AppendLine("(none: every demand is met)");
        }

        return text.ToString();
    }

    internal static string Summary(ControlPlaneView view) => string.Create(CultureInfo.InvariantCulture,
        $"demo summary: {view.Regions} regions, {view.Users} users, {view.Loops} loops; loop p50 {view.LoopP50Ms:F2} ms, p99 {view.LoopP99Ms:F2} ms; mean rate {view.MeanRate:F3}, 5th percentile {view.FifthPercentileRate:F3} bps/Hz; {view.Violations} of {view.UsersWithDemand} users below their demand; rejected telemetry {view.RejectedTelemetry}, RAN unavailable {view.Unavailable}, overruns {view.Overruns}, failed loops {view.FailedLoops}");

    /// <summary>$XDG_STATE_HOME/controller/demo, else ~/.local/state/controller/demo (the XDG default).</summary>
    internal static string DefaultStateDirectory()
    {
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state))
        {
            state = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return Path.Combine(state, "controller", "demo");
    }

    /// <summary>How much batching each inference grain in use did (local or on an inference silo).</summary>
    private static async Task ReportInferenceAsync(IGrainFactory grains, ControlPlaneView view, TextWriter error)
    {
        foreach (var spec in view.Policies.Keys.Where(p => p.StartsWith(LearnedPolicies.GnnPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = spec[LearnedPolicies.GnnPrefix.Length..].Trim();
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                var stats = await grains.GetGrain<IInferenceGrain>(name).GetStatsAsync(timeout.Token).ConfigureAwait(false);
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"demo: inference grain {name}: {stats.Requests} questions in {stats.Batches} model runs (largest batch {stats.LargestBatch})"));
            }
            catch (Exception exception) when (exception is SiloUnavailableException or TimeoutException or OperationCanceledException or OrleansException)
            {
                error.WriteLine($"demo: inference grain {name}: no statistics ({exception.Message})");
            }
        }
    }

    internal static Uri ParseRanUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new CliUsageException($"--ran must be an http(s) URL such as http://127.0.0.1:5081 (got '{text}').");

    /// <summary>Slots of the warm-up run, after the scenario's warm-up slots.</summary>
    internal const int WarmUpSlots = 40;

    /// <summary>
    /// Runs <paramref name="policy"/> for <see cref="WarmUpSlots"/> slots of a scenario configuration like the regions'
    /// before any loop starts, so that the JIT has optimized its inner loops by the first tick. Without it every
    /// region's first ISAC solves ran in tier-0 code at once and overran the period (most of a run's overruns came in
    /// its first second; see README "Start-up overruns"). A policy or scenario the evaluator refuses is skipped: the
    /// regions report their own problems.
    /// </summary>
    internal static void WarmUp(TextWriter error, string verb, string scenarioName, IReadOnlyList<KeyValuePair<string, string>> assignments, string policy, ulong seed, CancellationToken cancellationToken)
    {
        try
        {
            var scenario = ScenarioCatalog.Get(scenarioName);
            var settings = scenario.Resolve(assignments);
            var warmup = scenario.CreateConfiguration(settings, seed, 0).WarmupSlots;
            var clock = Stopwatch.StartNew();
            _ = Evaluator.Run(new EvaluationRequest(scenario, settings, policy, seed, 1, warmup + WarmUpSlots, HostPolicies.Provider), null, cancellationToken);
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{verb}: warmed up {policy} on {WarmUpSlots} slots of {scenario.Name} in {clock.Elapsed.TotalSeconds:0.0} s"));
        }
        catch (RadioInputException)
        {
            // An unknown scenario, settings or policy: nothing to warm; the regions say what is wrong.
        }
    }

    /// <summary>The default policy of a RAN's regions: the one of their scenario when they all share it, else the control plane's.</summary>
    internal static string DefaultPolicy(RanTopology topology) =>
        topology.Regions.Select(r => DefaultPolicy(r.Scenario)).Distinct(StringComparer.Ordinal).ToList() is [var shared]
            ? shared
            : ControlPlaneOptions.DefaultPolicy;

    /// <summary>
    /// The default policy for a built-in scenario: <see cref="IsacPolicy.RobustName"/> on the <c>isac</c> scenario (its
    /// adaptive iteration budget keeps the loops within their period), else the control plane's default.
    /// </summary>
    internal static string DefaultPolicy(string scenario)
        => string.Equals(scenario, "isac", StringComparison.Ordinal) ? IsacPolicy.RobustName : ControlPlaneOptions.DefaultPolicy;

    private static int ParseRange(System.CommandLine.Parsing.ArgumentResult result, int minimum, int maximum)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < minimum || value > maximum)
        {
            result.AddError($"--duration must be a whole number of seconds in [{minimum}, {maximum}] (got '{text}').");
            return 0;
        }

        return value;
    }

    private sealed class NoAsyncDisposable : IAsyncDisposable
    {
        public static readonly NoAsyncDisposable Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
