using System.CommandLine;
using System.Globalization;
using Controller.Host.Hosting;

namespace Controller.Host.Cli;

/// <summary>
/// <c>controller cluster</c>: a whole cluster on loopback (<see cref="LocalCluster"/>): Redis or Azure Table membership,
/// Azurite for state, the RAN simulator, control and inference silos; prints where to look, runs until Ctrl+C or
/// SIGTERM, then stops everything.
/// </summary>
internal static class ClusterCommand
{
    /// <summary>How long the silos may take to become ready on a busy 2-core machine.</summary>
    internal static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(3);

    /// <summary>How long Ctrl+C or SIGTERM leaves the verb to stop its children (silos get 15 s each, in parallel).</summary>
    internal static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(45);

    public static Command Create(CliStreams io)
    {
        var options = new ClusterOptions();
        var command = new Command("cluster", "Run a cluster on loopback until Ctrl+C: Redis or Azure Table membership, Azurite, the RAN simulator, control and inference silos.");
        options.AddTo(command);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var settings = options.Read(parsed) with { Progress = io.Error };
            LocalCluster? cluster = null;
            try
            {
                cluster = await LocalCluster.StartAsync(settings, cancellationToken).ConfigureAwait(false);
                await cluster.WaitReadyAsync(ReadyTimeout, cancellationToken).ConfigureAwait(false);
                Describe(cluster, io.Output);
                await WatchAsync(cluster, io.Error, cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C or SIGTERM, the normal way to stop (also while starting).
                return 0;
            }
            catch (Exception exception) when (exception is TimeoutException or InvalidOperationException)
            {
                io.Error.WriteLine($"error: cluster: {exception.Message}");
                return ControllerCli.InternalError;
            }
            finally
            {
                if (cluster is not null)
                {
                    await cluster.DisposeAsync().ConfigureAwait(false);
                }
            }
        });
        return command;
    }

    /// <summary>Where everything listens, on stdout.</summary>
    private static void Describe(LocalCluster cluster, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        var first = cluster.ControlSilos.First();
        output.WriteLine($"dashboard:    {first.Address} (every control silo serves one; Orleans' dashboard at {first.Address}orleans/)");
        output.WriteLine($"API key file: {cluster.ApiKeyFile} (curl -H \"Authorization: Bearer $(cat {cluster.ApiKeyFile})\" ...)");
        output.WriteLine($"RAN:          {cluster.RanAddress} (who controls each region: {cluster.RanAddress}ran/control-log)");
        output.WriteLine($"membership:   {cluster.Options.Membership}{(cluster.RedisAddress is { } redis ? $" (Redis {redis})" : $" (Azurite table {cluster.Azurite.Table})")}; state in Azurite blob {cluster.Azurite.Blob}");
        foreach (var silo in cluster.Silos)
        {
            output.WriteLine(string.Create(c, $"{silo.Name,-12}  pid {silo.Pid,-7} silo port {silo.SiloPort,-5}  gateway {silo.GatewayPort,-5}  {(silo.Address is { } address ? address.ToString() : "(no HTTP surfaces)")}"));
        }

        output.WriteLine($"services:     {string.Join(", ", cluster.Services.Select(s => string.Create(c, $"{s.Name} pid {s.Pid}")))}; files in {cluster.TemporaryDirectory}");
        output.WriteLine("Ctrl+C stops everything.");
        output.Flush();
    }

    /// <summary>Says once per child when one exits on its own, until cancelled.</summary>
    private static async Task WatchAsync(LocalCluster cluster, TextWriter error, CancellationToken cancellationToken)
    {
        var reported = new HashSet<string>(StringComparer.Ordinal);
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            foreach (var (name, code, tail) in cluster.UnexpectedExits())
            {
                if (reported.Add(name))
                {
                    error.WriteLine($"cluster: {name} exited by itself (code {code}); its last lines:\n{tail}");
                }
            }
        }
    }
}

/// <summary>The options <c>cluster</c> and <c>bench failover</c> share.</summary>
internal sealed class ClusterOptions
{
    public Option<int> Control { get; } = CommonOptions.PositiveInt("--control", "control silos", 3, 9);

    public Option<int> Inference { get; } = CommonOptions.NonNegativeInt("--inference", "inference silos", 1, 9);

    public Option<string> Membership { get; } = MembershipOption();

    public Option<int> Regions { get; } = CommonOptions.PositiveInt("--regions", "regions of the simulated RAN (resilient-rrm: 4 cells, 40 users each)", 8, Controller.Ran.Simulation.RanSimulatorOptions.MaxRegions);

    public Option<int> Period { get; } = CommonOptions.PositiveInt("--period", "loop period of every region, ms", 100, Controller.Grains.ControlPlaneOptions.MaxPeriodMs);

    public void AddTo(Command command)
    {
        command.Options.Add(Control);
        command.Options.Add(Inference);
        command.Options.Add(Membership);
        command.Options.Add(Regions);
        command.Options.Add(Period);
    }

    public LocalClusterOptions Read(ParseResult parsed) => new()
    {
        ControlSilos = parsed.GetValue(Control),
        InferenceSilos = parsed.GetValue(Inference),
        Membership = parsed.GetRequiredValue(Membership),
        Regions = parsed.GetValue(Regions),
        PeriodMs = parsed.GetValue(Period),
    };

    private static Option<string> MembershipOption()
    {
        var option = new Option<string>("--membership") { Description = "where silos find each other: redis (a redis-server) or azure-table (Azurite's table service)", DefaultValueFactory = _ => "redis" };
        option.AcceptOnlyFromAmong([.. LocalClusterOptions.MembershipKinds]);
        return option;
    }
}
