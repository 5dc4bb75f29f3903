using System.CommandLine;
using Controller.Radio.Scenarios;
using Controller.Ran.Http;
using Controller.Ran.Simulation;
using Microsoft.Extensions.Logging;

namespace Controller.Host.Cli;

/// <summary><c>controller ran-sim</c>: the RAN simulator in its own process, served over HTTP for <c>--ran URL</c>.</summary>
internal static class RanSimCommand
{
    public static Command Create(CliStreams io)
    {
        var common = new CommonOptions();
        var listen = new Option<string>("--listen")
        {
            Description = "URL to serve on, e.g. http://127.0.0.1:5080 (port 0 picks a free port; http://0.0.0.0:5080 in a container)",
            Required = true,
        };
        var scenario = new Option<string>("--scenario")
        {
            Description = "scenario each region is drawn from (see 'controller scenario list')",
            DefaultValueFactory = _ => RanSimulatorOptions.DefaultScenario,
        };
        var regions = CommonOptions.PositiveInt("--regions", "independent regions, one scenario configuration each", 8, RanSimulatorOptions.MaxRegions);
        var schedule = CommonOptions.DemandChanges();
        var command = new Command("ran-sim", "Serve the RAN simulator over HTTP until Ctrl+C or SIGTERM.")
        {
            listen, scenario, common.Set, regions, common.Seed, schedule,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var url = CheckListen(parsed.GetRequiredValue(listen), "the RAN serves under /ran");
            var simulator = new RanSimulator(new RanSimulatorOptions
            {
                Scenario = parsed.GetRequiredValue(scenario),
                Settings = ScenarioSettings.ParseAssignments(parsed.GetValue(common.Set) ?? []),
                Regions = parsed.GetValue(regions),
                Seed = parsed.GetValue(common.Seed),
                DemandSchedule = parsed.GetValue(schedule) ?? [],
            });
            RanHttpServer server;
            try
            {
                server = await RanHttpServer.StartAsync(simulator, new RanHttpServerOptions { Listen = url, ConfigureLogging = LogWarningsTo }, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException exception)
            {
                // A port in use or an address that is not this machine's: the user has to pick another --listen.
                throw new CliUsageException(exception.Message);
            }

            await using (server.ConfigureAwait(false))
            {
                var topology = simulator.Topology.Regions;
                io.Error.WriteLine(
                    $"ran-sim: listening on {server.Address} ({simulator.Scenario}, seed {simulator.Seed}: {topology.Count} regions, "
                    + $"{topology.Sum(r => r.CellIds.Count)} cells, {topology.Sum(r => r.UserIds.Count)} users); Ctrl+C to stop");
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C or SIGTERM: the normal way to stop.
                }

                await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }

            io.Error.WriteLine("ran-sim: stopped");
            return 0;
        });
        return command;
    }

    /// <summary>A Kestrel --listen URL with a port and no path; <paramref name="servesUnder"/> ends the error for a path.</summary>
    internal static string CheckListen(string text, string servesUnder)
    {
        // Kestrel also accepts '*' and '+' for "every address", which System.Uri does not parse.
        var probe = text.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(probe, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || !HasPort(probe))
        {
            throw new CliUsageException($"--listen must be an http URL with a port, such as http://127.0.0.1:5080 (got '{text}').");
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0)
        {
            throw new CliUsageException($"--listen takes no path or query; {servesUnder} (got '{text}').");
        }

        return text;
    }

    /// <summary>True when the URL names its port (the colon after an IPv6 literal's closing bracket).</summary>
    private static bool HasPort(string url)
    {
        var authority = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..].Split('/')[0];
        return authority.LastIndexOf(':') > authority.LastIndexOf(']');
    }

    /// <summary>Server warnings and errors, one line each, on stderr.</summary>
    internal static void LogWarningsTo(ILoggingBuilder logging) => logging
        .SetMinimumLevel(LogLevel.Warning)
        .AddSimpleConsole(console => console.SingleLine = true)
        // Standard output stays free for results, as in every verb.
        .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
}
