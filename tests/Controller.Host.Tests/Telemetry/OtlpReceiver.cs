using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Controller.Host.Tests.Telemetry;

/// <summary>One OTLP/HTTP export request as the receiver got it.</summary>
internal sealed record OtlpRequest(string Path, string? ContentType, byte[] Body)
{
    /// <summary>
    /// Whether <paramref name="text"/> occurs in the body. Protobuf writes a string field as its UTF-8 bytes
    /// after a tag and a length, so a span, scope, metric or attribute value shows up verbatim.
    /// </summary>
    public bool Contains(string text) => Body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}

/// <summary>
/// A minimal OTLP/HTTP collector on a free loopback port: accepts <c>POST /v1/traces</c> and
/// <c>POST /v1/metrics</c>, keeps the protobuf bodies and answers 200 with an empty body, which is an empty
/// Export*ServiceResponse (everything accepted).
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    public const string TracesPath = "/v1/traces";
    public const string MetricsPath = "/v1/metrics";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OtlpRequest> _requests = new();

    private OtlpReceiver(WebApplication app)
    {
        _app = app;
        app.MapPost(TracesPath, AcceptAsync);
        app.MapPost(MetricsPath, AcceptAsync);
    }

    /// <summary>Base URL for OTEL_EXPORTER_OTLP_ENDPOINT, without a trailing slash.</summary>
    public string Endpoint => _app.Urls.First().TrimEnd('/');

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // The test owns start and stop; the console lifetime would also react to the runner's signals.
        builder.Services.AddSingleton<IHostLifetime, TestOwnedLifetime>();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var receiver = new OtlpReceiver(builder.Build());
        await receiver._app.StartAsync();
        return receiver;
    }

    /// <summary>Requests received on <paramref name="path"/>, in arrival order.</summary>
    public IReadOnlyList<OtlpRequest> Received(string path) => [.. _requests.Where(request => request.Path == path)];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AcceptAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        _requests.Enqueue(new OtlpRequest(context.Request.Path, context.Request.ContentType, body.ToArray()));
        context.Response.ContentType = "application/x-protobuf";
    }

    private sealed class TestOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
