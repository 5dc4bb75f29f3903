using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Controller.Host.Hosting;

/// <summary>
/// The one Kestrel set-up of the silo's servers (silo-to-silo calls, the HTTP API): production environment (no
/// developer exception page, so a client never sees a stack trace), problem details, a body limit, and a lifetime
/// owned by the code that started the server rather than by the process's Ctrl+C and SIGTERM.
/// </summary>
internal static class OwnedWebApplication
{
    /// <summary>A slim builder listening on <paramref name="listen"/> with <paramref name="protocols"/> and the body limit.</summary>
    public static WebApplicationBuilder CreateBuilder(string listen, long maxRequestBodyBytes, HttpProtocols protocols, string applicationName, Action<ILoggingBuilder>? configureLogging = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(listen);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
            ApplicationName = applicationName,
        });
        builder.Logging.ClearProviders();
        configureLogging?.Invoke(builder.Logging);
        // The owner starts and stops the server; the default console lifetime would also react to Ctrl+C and
        // SIGTERM of whatever process hosts it (a test runner, the CLI, a silo), before the owner saved its state.
        builder.Services.AddSingleton<IHostLifetime, OwnerControlledLifetime>();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.Services.AddProblemDetails();
        builder.WebHost.UseUrls(listen);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = maxRequestBodyBytes;
            kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = protocols);
        });
        return builder;
    }

    /// <summary>
    /// Starts <paramref name="app"/> and returns the address it listens on (with the actual port). Throws
    /// <see cref="IOException"/> naming <paramref name="listen"/> when it cannot listen there; the app is then disposed.
    /// </summary>
    public static async Task<Uri> StartAsync(WebApplication app, string listen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            return new Uri(app.Urls.First());
        }
        catch (Exception exception) when (exception is IOException or InvalidOperationException or FormatException or UriFormatException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"Cannot listen on '{listen}': {exception.Message}", exception);
        }
    }

    internal sealed class OwnerControlledLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
