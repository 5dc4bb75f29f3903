using System.Net.Sockets;
using Controller.Host.Api;
using Controller.Host.Cli;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Controller.Host.Hosting;

/// <summary>
/// The one host of a silo process: a <see cref="WebApplication"/> with <c>UseOrleans</c>, serving the HTTP API
/// beside the silo (or a plain generic host when the API is off). Its lifetime is its owner's: the CLI verb starts
/// it, runs, and disposes it (grains deactivate and write their state on the way out).
/// </summary>
internal sealed class ControllerHost : IAsyncDisposable
{
    private readonly IHost _host;

    private ControllerHost(IHost host, Uri? address)
    {
        _host = host;
        Address = address;
        Grains = host.Services.GetRequiredService<IGrainFactory>();
    }

    /// <summary>Where the API listens (with the actual port), or null when it is off.</summary>
    public Uri? Address { get; }

    /// <summary>The silo's grain factory.</summary>
    public IGrainFactory Grains { get; }

    /// <summary>The host's services (the silo's container).</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>
    /// Starts the silo of <paramref name="settings"/> and, unless <paramref name="listen"/> is "none", the API on it.
    /// A port in use or an address that is not this machine's is a <see cref="CliUsageException"/> naming it.
    /// </summary>
    public static async Task<ControllerHost> StartAsync(SiloSettings settings, string listen, bool controllerLogs, CancellationToken cancellationToken, ApiSettings? api = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        IHost host;
        var web = !string.Equals(listen, "none", StringComparison.Ordinal);
        if (web)
        {
            api ??= new ApiSettings();
            if (!ApiAccess.IsLoopback(listen) && !api.Access.HasKeys)
            {
                // The verbs resolve keys before they get here; this is the last line for any other caller.
                throw new CliUsageException($"the API would listen beyond loopback ({listen}) with no key: {ApiAccess.HowToSetKey}, or listen on http://127.0.0.1:PORT.");
            }

            var builder = OwnedWebApplication.CreateBuilder(listen, ControlApi.MaxRequestBodyBytes, Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1, typeof(ControllerHost).Assembly.GetName().Name!, logging => SiloHosting.ConfigureLogging(logging, controllerLogs));
            builder.UseOrleans(silo =>
            {
                SiloHosting.Configure(silo, settings);
                // Orleans' own dashboard (mounted at /orleans); its live log stream stays off (the console and OTLP carry the logs).
                Orleans.Dashboard.ServiceCollectionExtensions.AddDashboard(silo, options => options.HideTrace = true);
            });
            OperatorSurfaces.AddServices(builder, settings, api);
            Telemetry.TelemetrySetup.AddTo(builder, "controller", prometheus: true);
            var app = builder.Build();
            OperatorSurfaces.Map(app, settings, api.Access);
            host = app;
        }
        else
        {
            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production, DisableDefaults = true });
            SiloHosting.ConfigureLogging(builder.Logging, controllerLogs);
            builder.Services.AddSingleton<IHostLifetime, OwnedWebApplication.OwnerControlledLifetime>();
            builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(30));
            builder.UseOrleans(silo => SiloHosting.Configure(silo, settings));
            Telemetry.TelemetrySetup.AddTo(builder, "controller");
            host = builder.Build();
        }

        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException && Unwrap(exception) is { } cause)
        {
            host.Dispose();
            throw new CliUsageException($"cannot start the silo (silo port {settings.SiloPort}, gateway port {settings.GatewayPort}{(web ? $", API {listen}" : "")}): {cause} (pick other ports with --silo-port/--gateway-port/--listen)");
        }

        return new ControllerHost(host, web ? new Uri(((WebApplication)host).Urls.First()) : null);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        _host.Dispose();
    }

    /// <summary>The user-facing reason a host failed to start (a socket or address problem), or null for a bug.</summary>
    private static string? Unwrap(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException or IOException or FormatException or UriFormatException)
            {
                return e.Message.ReplaceLineEndings(" ");
            }

            if (e is AggregateException aggregate && aggregate.InnerExceptions.Select(Unwrap).FirstOrDefault(m => m is not null) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }
}
