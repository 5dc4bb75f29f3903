using System.Text.Json;
using Controller.Runtime.Grains;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Controller.Runtime.Cluster;

/// <summary>How a <see cref="SiloServer"/> listens.</summary>
public sealed class SiloServerOptions
{
    /// <summary>Default <see cref="MaxCallBytes"/>: 16 MiB, about 40 times a 400-user GNN question.</summary>
    public const long DefaultMaxCallBytes = 16 << 20;

    /// <summary>Kestrel URL, e.g. "http://0.0.0.0:11111"; port 0 picks a free port (see <see cref="SiloServer.Address"/>).</summary>
    public string Listen { get; init; } = "http://127.0.0.1:0";

    /// <summary>Largest call body; larger ones get 413. In [1024, 2^30].</summary>
    public long MaxCallBytes { get; init; } = DefaultMaxCallBytes;

    /// <summary>Where the server logs; nowhere when null.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }
}

/// <summary>
/// The receiving end of <see cref="HttpClusterTransport"/>: serves <c>POST /silo/v1/calls</c> over HTTP/2 without TLS
/// (prior knowledge, as between pods of one cluster network) and runs each call on its runtime. Replies are the
/// result's wire form (200) or an RFC 9457 problem: 400 a call that cannot be decoded, 404 a grain type or method
/// this silo does not host, 413 a call above the limit, 500 the grain threw (extension <c>exception</c> names the
/// type, <c>detail</c> carries its message), 503 the runtime is stopping.
/// </summary>
public sealed class SiloServer : IAsyncDisposable
{
    /// <summary>The route of grain calls.</summary>
    public const string CallsPath = "/silo/v1/calls";

    private readonly WebApplication _app;

    private SiloServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The address other silos call (with the actual port).</summary>
    public Uri Address { get; }

    /// <summary>Starts serving <paramref name="runtime"/>'s grains; throws <see cref="IOException"/> when it cannot listen.</summary>
    public static async Task<SiloServer> StartAsync(GrainRuntime runtime, SiloServerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxCallBytes is < 1024 or > 1L << 30)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxCallBytes, "MaxCallBytes must be in [1024, 2^30].");
        }

        var builder = OwnedWebApplication.CreateBuilder(options.Listen, options.MaxCallBytes, HttpProtocols.Http2, typeof(SiloServer).Assembly.GetName().Name!, options.ConfigureLogging);
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapPost(CallsPath, (Delegate)((HttpContext context) => HandleAsync(runtime, context)));
        var address = await OwnedWebApplication.StartAsync(app, options.Listen, cancellationToken).ConfigureAwait(false);
        return new SiloServer(app, address);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task<IResult> HandleAsync(GrainRuntime runtime, HttpContext context)
    {
        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            body = buffer.ToArray();
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Call too large", exception.Message, null);
        }

        DecodedCall call;
        try
        {
            call = runtime.DecodeCall(body, context.RequestAborted);
        }
        catch (UnknownGrainException exception)
        {
            return Problem(StatusCodes.Status404NotFound, "Unknown grain type or method", exception.Message, null);
        }
        catch (Exception exception) when (exception is JsonException or GrainCallSerializationException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return Problem(StatusCodes.Status400BadRequest, "Malformed grain call", $"The call cannot be decoded: {exception.Message}", null);
        }

        try
        {
            var reply = await call.Method.DispatchAsync(runtime, call, context.RequestAborted).ConfigureAwait(false);
            return Results.Bytes(reply, "application/json");
        }
        catch (ObjectDisposedException exception)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Silo stopping", exception.Message, null);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller gave up (its token, its timeout): nobody reads this reply.
            return Results.Empty;
        }
        catch (Exception exception)
        {
            // What the grain threw goes back by type and message; the caller rethrows it (see HttpClusterTransport).
            var thrown = exception is GrainActivationException { InnerException: { } inner } ? inner : exception;
            return Problem(StatusCodes.Status500InternalServerError, "Grain call failed", exception.Message, thrown.GetType().FullName);
        }
    }

    private static IResult Problem(int status, string title, string detail, string? exceptionType) => Results.Problem(
        detail: detail,
        statusCode: status,
        title: title,
        extensions: exceptionType is null ? null : new Dictionary<string, object?>(StringComparer.Ordinal) { ["exception"] = exceptionType });
}
