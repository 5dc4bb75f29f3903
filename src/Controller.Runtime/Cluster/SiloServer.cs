using System.Runtime.InteropServices;
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
/// The receiving end of <see cref="HttpClusterTransport"/>: serves <c>POST /silo/v1/calls</c> (one call) and
/// <c>POST /silo/v1/batch</c> (an array of calls, answered by an array of <c>{status, body}</c>) over HTTP/2 without TLS
/// (prior knowledge, as between pods of one cluster network) and runs each call on its runtime. Replies are the
/// result's wire form (200) or an RFC 9457 problem: 400 a call that cannot be decoded, 404 a grain type or method
/// this silo does not host, 413 a call above the limit, 500 the grain threw (extension <c>exception</c> names the
/// type, <c>detail</c> carries its message), 503 the runtime is stopping.
/// </summary>
public sealed class SiloServer : IAsyncDisposable
{
    /// <summary>The route of grain calls.</summary>
    public const string CallsPath = "/silo/v1/calls";

    /// <summary>The route of batches of calls (a JSON array of calls; see <see cref="HttpClusterTransport"/>).</summary>
    public const string BatchPath = "/silo/v1/batch";

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
        app.MapPost(CallsPath, (HttpContext context) => HandleAsync(runtime, context));
        app.MapPost(BatchPath, (HttpContext context) => HandleBatchAsync(runtime, context));
        var address = await OwnedWebApplication.StartAsync(app, options.Listen, cancellationToken).ConfigureAwait(false);
        return new SiloServer(app, address);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task HandleAsync(GrainRuntime runtime, HttpContext context)
    {
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        var outcome = body is null
            ? CallOutcome.Problem(StatusCodes.Status413PayloadTooLarge, "Call too large", "The call is larger than the silo's limit.", null)
            : await ExecuteAsync(runtime, body, context.RequestAborted).ConfigureAwait(false);
        await WriteAsync(context, outcome.Status, outcome.IsProblem ? "application/problem+json" : "application/json", outcome.Body).ConfigureAwait(false);
    }

    /// <summary>A batch: a JSON array of calls, answered by an array of { status, body } in the same order; the calls run concurrently.</summary>
    private static async Task HandleBatchAsync(GrainRuntime runtime, HttpContext context)
    {
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            var tooLarge = CallOutcome.Problem(StatusCodes.Status413PayloadTooLarge, "Batch too large", "The batch is larger than the silo's limit.", null);
            await WriteAsync(context, tooLarge.Status, "application/problem+json", tooLarge.Body).ConfigureAwait(false);
            return;
        }

        Task<CallOutcome>[] calls;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new JsonException("a batch is a JSON array of calls");
            }

            calls = [.. document.RootElement.EnumerateArray().Select(call => ExecuteAsync(runtime, JsonMarshal.GetRawUtf8Value(call).ToArray(), context.RequestAborted))];
        }
        catch (JsonException exception)
        {
            var malformed = CallOutcome.Problem(StatusCodes.Status400BadRequest, "Malformed batch", $"The batch cannot be decoded: {exception.Message}", null);
            await WriteAsync(context, malformed.Status, "application/problem+json", malformed.Body).ConfigureAwait(false);
            return;
        }

        var outcomes = await Task.WhenAll(calls).ConfigureAwait(false);
        using var reply = new MemoryStream();
        using (var writer = new Utf8JsonWriter(reply))
        {
            writer.WriteStartArray();
            foreach (var outcome in outcomes)
            {
                writer.WriteStartObject();
                writer.WriteNumber("status", outcome.Status);
                writer.WritePropertyName("body");
                writer.WriteRawValue(outcome.Body, skipInputValidation: true);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        await WriteAsync(context, StatusCodes.Status200OK, "application/json", reply.ToArray()).ConfigureAwait(false);
    }

    /// <summary>The request body, or null when it is above the limit.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            return buffer.ToArray();
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
    }

    private static async Task WriteAsync(HttpContext context, int status, string contentType, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Decodes and runs one call; every failure becomes its problem (never an exception).</summary>
    private static async Task<CallOutcome> ExecuteAsync(GrainRuntime runtime, byte[] body, CancellationToken cancellationToken)
    {
        DecodedCall call;
        try
        {
            call = runtime.DecodeCall(body, cancellationToken);
        }
        catch (UnknownGrainException exception)
        {
            return CallOutcome.Problem(StatusCodes.Status404NotFound, "Unknown grain type or method", exception.Message, null);
        }
        catch (Exception exception) when (exception is JsonException or GrainCallSerializationException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return CallOutcome.Problem(StatusCodes.Status400BadRequest, "Malformed grain call", $"The call cannot be decoded: {exception.Message}", null);
        }

        try
        {
            return new CallOutcome(StatusCodes.Status200OK, await call.Method.DispatchAsync(runtime, call, cancellationToken).ConfigureAwait(false), IsProblem: false);
        }
        catch (ObjectDisposedException exception)
        {
            return CallOutcome.Problem(StatusCodes.Status503ServiceUnavailable, "Silo stopping", exception.Message, null);
        }
        catch (Exception exception)
        {
            // What the grain threw goes back by type and message; the caller rethrows it (see HttpClusterTransport).
            // A call the caller gave up on (its request aborted) ends here too; nobody reads that reply.
            var thrown = exception is GrainActivationException { InnerException: { } inner } ? inner : exception;
            return CallOutcome.Problem(StatusCodes.Status500InternalServerError, "Grain call failed", exception.Message, thrown.GetType().FullName);
        }
    }

    /// <summary>One call's reply: its status and body (the result's wire form, or an RFC 9457 problem).</summary>
    private readonly record struct CallOutcome(int Status, byte[] Body, bool IsProblem)
    {
        public static CallOutcome Problem(int status, string title, string detail, string? exceptionType)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("title", title);
                writer.WriteNumber("status", status);
                writer.WriteString("detail", detail);
                if (exceptionType is not null)
                {
                    writer.WriteString("exception", exceptionType);
                }

                writer.WriteEndObject();
            }

            return new CallOutcome(status, buffer.ToArray(), IsProblem: true);
        }
    }
}
