using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Controller.Ran.Contract;
using Controller.Ran.Simulation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Controller.Ran.Http;

/// <summary>How a <see cref="RanHttpServer"/> listens.</summary>
public sealed class RanHttpServerOptions
{
    /// <summary>Default <see cref="MaxRequestBodyBytes"/>: 1 MiB, about 30 times a 1,000-cell decision.</summary>
    public const long DefaultMaxRequestBodyBytes = 1 << 20;

    /// <summary>Kestrel URL, e.g. "http://127.0.0.1:5080"; port 0 picks a free port (see <see cref="RanHttpServer.Address"/>).</summary>
    public string Listen { get; init; } = "http://127.0.0.1:0";

    /// <summary>Largest request body; larger ones get 413. In [1024, 2^30].</summary>
    public long MaxRequestBodyBytes { get; init; } = DefaultMaxRequestBodyBytes;

    /// <summary>How <c>GET /ran/control-log</c> judges overlaps and how much it keeps (<see cref="RanControlLog"/>).</summary>
    public RanControlLogOptions ControlLog { get; init; } = new();

    /// <summary>Where the server logs (request failures, start and stop); nowhere when null.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }
}

/// <summary>
/// Serves any <see cref="IRanAdapter"/> over HTTP/JSON (Kestrel): <c>GET /ran/topology</c>,
/// <c>GET /ran/regions/{id}/telemetry</c>, <c>POST /ran/regions/{id}/decisions</c> and, when the adapter is
/// also an <see cref="IRanControl"/>, <c>PUT /ran/users/{id}/demand</c>, <c>POST</c> and <c>DELETE /ran/regions/{id}/faults</c>.
/// Every error is an RFC 9457 problem details body whose "detail" says what was wrong: 400 malformed or
/// out-of-range input, 404 unknown id or route, 409 decision for another slot, 413 body above the limit,
/// 503 RAN unavailable, 500 anything else (no stack trace). Every accepted decision is recorded in
/// <see cref="ControlLog"/> under the controller id of its <c>X-Controller-Id</c> header, served by <c>GET /ran/control-log</c>.
/// </summary>
public sealed class RanHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RanHttpServer(WebApplication app, Uri address, RanControlLog controlLog)
    {
        _app = app;
        Address = address;
        ControlLog = controlLog;
    }

    /// <summary>Who controlled each region, as the RAN saw it (the body of <c>GET /ran/control-log</c>).</summary>
    public RanControlLog ControlLog { get; }

    /// <summary>The address the server listens on, with the actual port (base address for <see cref="RanHttpClient"/>).</summary>
    public Uri Address { get; }

    /// <summary>
    /// Starts serving <paramref name="ran"/>. Throws <see cref="IOException"/> when the address cannot be
    /// listened on (in use, not local, not a valid Kestrel URL) and <see cref="ArgumentException"/> for bad options.
    /// </summary>
    public static async Task<RanHttpServer> StartAsync(IRanAdapter ran, RanHttpServerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ran);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Listen, nameof(options));
        if (options.MaxRequestBodyBytes is < 1024 or > 1L << 30)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxRequestBodyBytes, "MaxRequestBodyBytes must be in [1024, 2^30].");
        }

        var controlLog = new RanControlLog(options.ControlLog);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // Production: no developer exception page, so a failure never shows a stack trace to a client.
            EnvironmentName = Environments.Production,
            ApplicationName = typeof(RanHttpServer).Assembly.GetName().Name,
        });
        builder.Logging.ClearProviders();
        options.ConfigureLogging?.Invoke(builder.Logging);
        // The owner starts and stops the server; the default console lifetime would also react to Ctrl+C and
        // SIGTERM of whatever process hosts it (a test runner, the CLI, a silo).
        builder.Services.AddSingleton<IHostLifetime, OwnerControlledLifetime>();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.Services.AddProblemDetails();
        builder.WebHost.UseUrls(options.Listen);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
        });

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        new RanEndpoints(ran, options.MaxRequestBodyBytes, controlLog).Map(app);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            return new RanHttpServer(app, new Uri(app.Urls.First()), controlLog);
        }
        catch (Exception exception) when (exception is IOException or InvalidOperationException or FormatException or UriFormatException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"Cannot listen on '{options.Listen}': {exception.Message}", exception);
        }
    }

    /// <summary>Stops accepting requests and lets in-flight ones finish (at most one second).</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _app.StopAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class OwnerControlledLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>The request handlers; each maps the adapter's exceptions to one status code.</summary>
internal sealed class RanEndpoints(IRanAdapter ran, long maxRequestBodyBytes, RanControlLog controlLog)
{
    public void Map(WebApplication app)
    {
        app.MapGet(RanRoutes.Topology, Guard(GetTopologyAsync));
        app.MapGet(RanRoutes.Telemetry, Guard(GetTelemetryAsync));
        app.MapPost(RanRoutes.Decisions, Guard(PostDecisionAsync));
        app.MapGet(RanRoutes.ControlLog, Guard(GetControlLogAsync));
        if (ran is IRanControl control)
        {
            app.MapPut(RanRoutes.Demand, Guard(context => PutDemandAsync(control, context)));
            app.MapPut(RanRoutes.DemandUnescaped, Guard(context => PutDemandAsync(control, context)));
            app.MapPost(RanRoutes.Faults, Guard(context => PostFaultAsync(control, context)));
            app.MapDelete(RanRoutes.Faults, Guard(context => DeleteFaultAsync(control, context)));
        }
    }

    private async Task GetTopologyAsync(HttpContext context)
    {
        var topology = await ran.GetTopologyAsync(context.RequestAborted).ConfigureAwait(false);
        await context.Response.WriteAsJsonAsync(topology, RanJsonContext.Default.RanTopology, contentType: null, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task GetTelemetryAsync(HttpContext context)
    {
        var telemetry = await ran.PullTelemetryAsync(RegionId(context), context.RequestAborted).ConfigureAwait(false);
        await context.Response.WriteAsJsonAsync(telemetry, RanJsonContext.Default.RegionTelemetry, contentType: null, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task PostDecisionAsync(HttpContext context)
    {
        // Checked before the decision is applied: a push the log could not attribute is refused whole.
        var controller = ControllerId(context);
        var decision = await ReadAsync(context, RanJsonContext.Default.RegionDecision, "a decision {\"slot\", \"power\": [...], \"servedUser\": [...]}").ConfigureAwait(false);
        var regionId = RegionId(context);
        var receipt = await ran.PushDecisionsAsync(regionId, decision, context.RequestAborted).ConfigureAwait(false);
        controlLog.Record(regionId, controller, receipt.Slot);
        await context.Response.WriteAsJsonAsync(receipt, RanJsonContext.Default.DecisionReceipt, contentType: null, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task GetControlLogAsync(HttpContext context)
    {
        DateTimeOffset? since = null;
        if (context.Request.Query.TryGetValue("since", out var text))
        {
            since = DateTimeOffset.TryParse(text.ToString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed
                : throw new RanRejectedException(RanRejection.InvalidRequest, $"since must be an ISO 8601 time such as 2026-01-01T00:00:00Z (got '{text}').");
        }

        var topology = await ran.GetTopologyAsync(context.RequestAborted).ConfigureAwait(false);
        var snapshot = controlLog.Read(topology.Regions.Select(r => r.RegionId), since);
        await context.Response.WriteAsJsonAsync(snapshot, RanJsonContext.Default.ControlLogSnapshot, contentType: null, context.RequestAborted).ConfigureAwait(false);
    }

    private static string? ControllerId(HttpContext context)
    {
        if (!context.Request.Headers.TryGetValue(RanControlLog.HeaderName, out var values))
        {
            return null;
        }

        var id = values.Count == 1 ? values[0] ?? string.Empty : string.Empty;
        return RanControlLog.Check(id) is { } problem
            ? throw new RanRejectedException(RanRejection.InvalidRequest, $"{RanControlLog.HeaderName}: {problem}")
            : id;
    }

    private async Task PutDemandAsync(IRanControl control, HttpContext context)
    {
        var body = await ReadAsync(context, RanJsonContext.Default.DemandBody, "a demand {\"demand\": number}").ConfigureAwait(false);
        await control.SetDemandAsync(RanRoutes.UserIdFrom(context.Request.RouteValues), body.Demand, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private async Task PostFaultAsync(IRanControl control, HttpContext context)
    {
        var body = await ReadAsync(context, RanJsonContext.Default.FaultBody, "a fault {\"kind\": name, \"pulls\": count}").ConfigureAwait(false);
        if (!RanFault.TryParseKind(body.Kind, out var kind))
        {
            throw new RanRejectedException(RanRejection.InvalidRequest, $"Unknown fault kind '{body.Kind}'; known: {RanFault.KnownNames}.");
        }

        await control.InjectFaultAsync(RegionId(context), new RanFault(kind, body.Pulls), context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task DeleteFaultAsync(IRanControl control, HttpContext context)
    {
        await control.ClearFaultAsync(RegionId(context), context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static string RegionId(HttpContext context) => RanRoutes.IdFrom(context.Request.RouteValues["regionId"]);

    private async Task<T> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type, string what)
    {
        if (context.Request.ContentLength == 0)
        {
            throw new RanRejectedException(RanRejection.InvalidRequest, $"The body is empty; it must be {what}.");
        }

        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted).ConfigureAwait(false)
                ?? throw new RanRejectedException(RanRejection.InvalidRequest, $"The body must be {what}, not null.");
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new RanRejectedException(RanRejection.TooLarge, $"The request body is larger than this RAN's limit of {maxRequestBodyBytes} bytes.", exception);
        }
        catch (BadHttpRequestException exception)
        {
            throw new RanRejectedException(RanRejection.InvalidRequest, exception.Message, exception);
        }
        catch (JsonException exception)
        {
            // The serializer's message names the member, line and byte; only the .NET namespaces are noise to a client.
            var reason = exception.Message
                .Replace("Controller.Ran.Contract.", string.Empty, StringComparison.Ordinal)
                .Replace("Controller.Ran.Http.", string.Empty, StringComparison.Ordinal)
                .Replace("System.", string.Empty, StringComparison.Ordinal);
            throw new RanRejectedException(RanRejection.InvalidRequest, $"The body is not {what}: {reason}", exception);
        }
    }

    private static RequestDelegate Guard(Func<HttpContext, Task> handler) => async context =>
    {
        int status;
        string detail;
        try
        {
            await handler(context).ConfigureAwait(false);
            return;
        }
        catch (RanRejectedException exception) when (!context.Response.HasStarted)
        {
            (status, detail) = (StatusOf(exception.Reason), exception.Message);
        }
        catch (RanArgumentException exception) when (!context.Response.HasStarted)
        {
            (status, detail) = (StatusOf(exception.Reason), exception.Message);
        }
        catch (RanUnavailableException exception) when (!context.Response.HasStarted)
        {
            (status, detail) = (StatusCodes.Status503ServiceUnavailable, exception.Message);
        }

        await Results.Problem(detail, statusCode: status, title: TitleOf(status)).ExecuteAsync(context).ConfigureAwait(false);
    };

    private static int StatusOf(RanRejection reason) => reason switch
    {
        RanRejection.UnknownId => StatusCodes.Status404NotFound,
        RanRejection.WrongSlot => StatusCodes.Status409Conflict,
        RanRejection.TooLarge => StatusCodes.Status413PayloadTooLarge,
        _ => StatusCodes.Status400BadRequest,
    };

    private static string TitleOf(int status) => status switch
    {
        StatusCodes.Status404NotFound => "Unknown id",
        StatusCodes.Status409Conflict => "Wrong slot",
        StatusCodes.Status413PayloadTooLarge => "Request body too large",
        StatusCodes.Status503ServiceUnavailable => "RAN unavailable",
        _ => "Invalid request",
    };
}
