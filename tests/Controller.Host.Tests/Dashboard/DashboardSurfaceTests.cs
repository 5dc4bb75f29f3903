using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.RegularExpressions;
using Controller.Grains;
using Controller.Host.Tests.Support;

namespace Controller.Host.Tests.Dashboard;

/// <summary>The dashboard's server side over real HTTP in front of a real silo: the page and its assets, the event stream, the geometry.</summary>
public sealed partial class DashboardSurfaceTests : IAsyncLifetime
{
    private ApiHost _api = null!;

    public async Task InitializeAsync() => _api = await ApiHost.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Root_serves_the_page_whose_assets_all_come_from_the_silo()
    {
        using var root = await _api.Anonymous.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        Assert.Equal("text/html", root.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'self'", root.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var html = await root.Content.ReadAsStringAsync();
        var references = AssetReference().Matches(html).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["/dashboard/app.css", "/dashboard/app.js"], references.Order(StringComparer.Ordinal));
        foreach (var reference in references)
        {
            using var asset = await _api.Anonymous.GetAsync(reference.TrimStart('/'));
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            var text = await asset.Content.ReadAsStringAsync();
            Assert.True(text.Length > 1000, reference);

            // Revalidation: the same asset again with its ETag is a 304.
            using var again = new HttpRequestMessage(HttpMethod.Get, reference.TrimStart('/'));
            again.Headers.IfNoneMatch.Add(asset.Headers.ETag!);
            using var notModified = await _api.Anonymous.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }

        using var missing = await _api.Anonymous.GetAsync("dashboard/nothing.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Event_stream_sends_every_region_and_the_region_asked_for()
    {
        Assert.Equal(LoopOutcome.Completed, await _api.Grains.GetGrain<IRegionGrain>("r001").RunLoopAsync(CancellationToken.None));
        using var response = await _api.Anonymous.GetAsync("api/dashboard/events?region=r001&user=r001/u002", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var item = await SseParser.Create(stream).EnumerateAsync(cancel.Token).FirstAsync(cancel.Token);
        Assert.Equal("tick", item.EventType);
        var tick = JsonDocument.Parse(item.Data).RootElement;
        Assert.Equal(["r000", "r001"], tick.GetProperty("regions").EnumerateArray().Select(r => r.GetProperty("regionId").GetString()));
        var row = tick.GetProperty("regions")[1];
        Assert.Equal("completed", row.GetProperty("lastOutcome").GetString());
        Assert.Equal(1, row.GetProperty("outcomes").GetProperty("completed").GetInt64());
        Assert.Equal(JsonValueKind.Number, row.GetProperty("loopP99Ms").ValueKind);
        Assert.Equal("answering", tick.GetProperty("ran").GetProperty("state").GetString());
        var region = tick.GetProperty("region");
        Assert.Equal(8, region.GetProperty("rateAverages").GetArrayLength());
        Assert.Equal(2, region.GetProperty("cells").GetArrayLength());
        Assert.All(region.GetProperty("cells").EnumerateArray(), c => Assert.Equal(JsonValueKind.Number, c.GetProperty("power").ValueKind));
        var user = tick.GetProperty("user");
        Assert.Equal("r001/u002", user.GetProperty("userId").GetString());
        Assert.Equal(1, user.GetProperty("state").GetProperty("observations").GetInt64());
    }

    [Theory]
    [InlineData("api/dashboard/events?region=r9", "Unknown region 'r9'")]
    [InlineData("api/dashboard/events?user=r000/u999", "Unknown user 'r000/u999'")]
    [InlineData("api/regions/r7/geometry", "Unknown region 'r7'")]
    public async Task Unknown_ids_get_a_404_problem_not_an_empty_stream(string path, string detail)
    {
        using var response = await _api.Anonymous.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Geometry_places_every_cell_and_user_of_a_scenario_with_positions()
    {
        var geometry = await _api.Anonymous.GetFromJsonAsync<JsonElement>("api/regions/r000/geometry");
        Assert.True(geometry.GetProperty("hasGeometry").GetBoolean());
        Assert.Equal(2, geometry.GetProperty("cells").GetArrayLength());
        var users = geometry.GetProperty("users").EnumerateArray().ToArray();
        Assert.Equal(8, users.Length);
        var cells = await _api.Anonymous.GetFromJsonAsync<JsonElement>("api/cells?region=r000");
        foreach (var cell in cells.GetProperty("items").EnumerateArray())
        {
            var id = cell.GetProperty("cellId").GetString();
            Assert.Equal(
                cell.GetProperty("users").EnumerateArray().Select(u => u.GetString()).Order(StringComparer.Ordinal),
                users.Where(u => u.GetProperty("servingCell").GetString() == id).Select(u => u.GetProperty("userId").GetString()).Order(StringComparer.Ordinal));
        }

        Assert.All(users, u => Assert.True(double.IsFinite(u.GetProperty("x").GetDouble()) && double.IsFinite(u.GetProperty("y").GetDouble())));
    }

    [GeneratedRegex("(?:<script[^>]*\\ssrc|<link[^>]*\\shref)=\"([^\"]+)\"")]
    private static partial Regex AssetReference();
}
