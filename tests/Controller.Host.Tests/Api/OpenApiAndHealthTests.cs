using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Controller.Host.Api;
using Controller.Host.Tests.Support;
using Controller.Ran.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Controller.Host.Tests.Api;

/// <summary>The OpenAPI document, the API reference and the health checks of a real host.</summary>
public sealed partial class OpenApiAndHealthTests
{
    [Fact]
    public async Task Every_api_route_is_described_and_the_document_validates()
    {
        await using var api = await ApiHost.StartAsync();
        var json = await api.Anonymous.GetStringAsync("openapi/v1.json");
        var (document, diagnostic) = OpenApiDocument.Parse(json, "json");
        Assert.NotNull(document);
        Assert.Empty(diagnostic!.Errors);
        Assert.Empty(document!.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);

        var routes = api.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Path: e.RoutePattern.RawText!, Method: m)))
            .ToArray();
        Assert.True(routes.Length >= 18, $"{routes.Length} routes");
        foreach (var (path, method) in routes)
        {
            Assert.True(document.Paths.TryGetValue(path, out var item), $"{path} is not in the document");
            var operation = item!.Operations!.Single(o => string.Equals(o.Key.Method, method, StringComparison.OrdinalIgnoreCase)).Value;
            Assert.False(string.IsNullOrWhiteSpace(operation.Summary), $"{method} {path} has no summary");
            Assert.Contains(operation.Responses!.Keys, code => code.StartsWith('2'));
            var mutating = method is "PUT" or "DELETE";
            if (method == "PUT")
            {
                Assert.True(operation.RequestBody?.Content?.ContainsKey("application/json"), $"{method} {path} has no JSON body");
            }

            if (mutating)
            {
                Assert.Contains("401", operation.Responses!.Keys);
                Assert.NotEmpty(operation.Security ?? []);
            }

            if (path.Contains('{', StringComparison.Ordinal))
            {
                Assert.Contains("404", operation.Responses!.Keys);
            }
        }

        Assert.Contains("Bearer", document.Components!.SecuritySchemes!.Keys);
    }

    [Fact]
    public async Task The_reference_page_loads_its_script_from_the_silo_not_a_cdn()
    {
        await using var api = await ApiHost.StartAsync();
        using var root = await api.Anonymous.GetAsync("scalar/");
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        var html = await root.Content.ReadAsStringAsync();
        var sources = SourceAttribute().Matches(html).Select(m => m.Groups[1].Value).ToArray();
        Assert.NotEmpty(sources);
        Assert.DoesNotContain("//", html.Replace("<!doctype html>", "", StringComparison.OrdinalIgnoreCase), StringComparison.Ordinal);
        foreach (var source in sources)
        {
            using var script = await api.Anonymous.GetAsync(new Uri(root.RequestMessage!.RequestUri!, source));
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
            Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 1000, source);
        }
    }

    [Fact]
    public async Task Readiness_checks_silo_storage_and_ran()
    {
        await using var api = await ApiHost.StartAsync(storageProbe: _ => Task.CompletedTask);
        Assert.Equal("ok", await api.Anonymous.GetStringAsync("healthz"));
        var ready = await api.Anonymous.GetFromJsonAsync<JsonElement>("readyz");
        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        Assert.Equal(["ran", "silo", "storage"], ready.GetProperty("checks").EnumerateObject().Select(c => c.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Readiness_fails_when_storage_or_the_ran_does_not_answer_while_liveness_holds()
    {
        // A RAN adapter aimed at a port nothing listens on, and storage that throws.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var deadRan = new RanHttpClient(http, new Uri($"http://127.0.0.1:{Controller.Host.Hosting.SiloSettings.FreePort()}/"));
        await using var api = await ApiHost.StartAsync(ran: deadRan, storageProbe: _ => throw new IOException("secret-account-name unreachable"));
        using var response = await api.Anonymous.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var ready = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Unhealthy", ready.GetProperty("checks").GetProperty("ran").GetProperty("status").GetString());
        Assert.Equal("Unhealthy", ready.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("silo").GetProperty("status").GetString());
        Assert.DoesNotContain("secret-account-name", body, StringComparison.Ordinal);
        Assert.Equal("ok", await api.Anonymous.GetStringAsync("healthz"));
    }

    [Fact]
    public async Task Metrics_are_in_prometheus_text_with_the_loop_and_orleans_meters()
    {
        await using var api = await ApiHost.StartAsync();
        await api.Grains.GetGrain<Controller.Grains.IRegionGrain>("r000").RunLoopAsync(CancellationToken.None);
        string text;
        // Generous: this class runs beside the browser tests' demo and Chromium on the same cores.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            // The exporter caches a scrape for 300 ms.
            text = await api.Anonymous.GetStringAsync("metrics");
        }
        while (!(text.Contains("controller_loop_duration_milliseconds_count", StringComparison.Ordinal) && text.Contains("controller_loops_total", StringComparison.Ordinal)) && DateTime.UtcNow < deadline && await Task.Delay(100).ContinueWith(_ => true));

        Assert.Contains("# TYPE controller_loop_duration_milliseconds histogram", text, StringComparison.Ordinal);
        // At least one: the meter listener hears every meter of this name in the process, and other test classes
        // run loops in other hosts at the same time, so the count is this loop plus whatever those added.
        var completed = Regex.Match(text, @"controller_loops_total\{[^}]*outcome=""completed""[^}]*\} (\d+)");
        Assert.True(completed.Success, "no completed-loop series in the scrape");
        Assert.True(long.Parse(completed.Groups[1].Value, CultureInfo.InvariantCulture) >= 1);
        Assert.Contains("otel_scope_name=\"Microsoft.Orleans\"", text, StringComparison.Ordinal);
    }

    [GeneratedRegex("src=\"([^\"]+)\"")]
    private static partial Regex SourceAttribute();
}
