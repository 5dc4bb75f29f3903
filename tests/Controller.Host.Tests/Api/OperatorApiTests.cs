using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Controller.Grains;
using Controller.Host.Api;
using Controller.Host.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Controller.Host.Tests.Api;

/// <summary>The API's lists, history, policies and refusals over real HTTP in front of a real silo.</summary>
public sealed class OperatorApiTests : IAsyncLifetime
{
    private ApiHost _api = null!;

    private HttpClient Http => _api.Operator;

    public async Task InitializeAsync() => _api = await ApiHost.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Users_list_pages_through_every_user_and_links_the_next_page()
    {
        var seen = new List<string>();
        string? next = "api/users?limit=5";
        var pages = 0;
        while (next is not null)
        {
            var page = await Http.GetFromJsonAsync<JsonElement>(next.TrimStart('/'));
            Assert.Equal(16, page.GetProperty("total").GetInt32());
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("userId").GetString()!));
            next = page.GetProperty("next").GetString();
            pages++;
        }

        Assert.Equal(4, pages);
        Assert.Equal(16, seen.Distinct().Count());
        Assert.Equal("r000/u000", seen[0]);

        var region = await Http.GetFromJsonAsync<JsonElement>("api/users?region=r001&limit=100");
        Assert.Equal(8, region.GetProperty("total").GetInt32());
        Assert.All(region.GetProperty("items").EnumerateArray(), u => Assert.Equal("r001", u.GetProperty("region").GetString()));
        Assert.Equal(JsonValueKind.Null, region.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task Users_list_carries_rates_once_the_region_has_run()
    {
        var before = await Http.GetFromJsonAsync<JsonElement>("api/users?region=r000&limit=1");
        Assert.Equal(JsonValueKind.Null, before.GetProperty("items")[0].GetProperty("rateAverage").ValueKind);
        Assert.Equal(LoopOutcome.Completed, await _api.Grains.GetGrain<IRegionGrain>("r000").RunLoopAsync(CancellationToken.None));
        var after = await Http.GetFromJsonAsync<JsonElement>("api/users?region=r000&limit=1");
        Assert.Equal(JsonValueKind.Number, after.GetProperty("items")[0].GetProperty("rateAverage").ValueKind);
        Assert.Equal(1, after.GetProperty("items")[0].GetProperty("demand").GetDouble());
    }

    [Fact]
    public async Task Cells_list_names_each_cells_users()
    {
        var cells = await Http.GetFromJsonAsync<JsonElement>("api/cells?region=r000");
        Assert.Equal(2, cells.GetProperty("total").GetInt32());
        var users = cells.GetProperty("items").EnumerateArray().SelectMany(c => c.GetProperty("users").EnumerateArray().Select(u => u.GetString())).ToArray();
        Assert.Equal(8, users.Distinct().Count());
    }

    [Theory]
    [InlineData("api/users?limit=0", "'limit' must be a whole number in [1, 1000]")]
    [InlineData("api/users?limit=1001", "'limit' must be a whole number in [1, 1000]")]
    [InlineData("api/users?offset=-1", "'offset' must be a whole number")]
    [InlineData("api/cells?offset=1e3", "'offset' must be a whole number")]
    public async Task Bad_paging_gets_a_400_problem(string path, string detail)
    {
        using var response = await Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api/users?region=r009")]
    [InlineData("api/regions/r009/history")]
    [InlineData("api/users/r000/u099/history")]
    [InlineData("api/cells/r000/c07/history")]
    [InlineData("api/no-such-route")]
    public async Task Unknown_ids_and_routes_get_a_404_problem(string path)
    {
        using var response = await Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task History_keeps_the_last_samples_of_regions_users_and_cells()
    {
        var history = _api.Host.Services.GetRequiredService<OperatorHistory>();
        var region = _api.Grains.GetGrain<IRegionGrain>("r000");
        for (var sample = 0; sample < 4; sample++)
        {
            await region.RunLoopAsync(CancellationToken.None);
            await region.RunLoopAsync(CancellationToken.None);
            await history.SampleAsync(CancellationToken.None);
        }

        var regionHistory = await Http.GetFromJsonAsync<JsonElement>("api/regions/r000/history");
        var points = regionHistory.GetProperty("points").EnumerateArray().ToArray();
        Assert.Equal(3, points.Length); // the host keeps 3 samples; the first of 4 dropped out
        Assert.All(points, p => Assert.True(p.GetProperty("loopP99Ms").GetDouble() > 0));
        Assert.Equal([4L, 6L, 8L], points.Select(p => p.GetProperty("iterations").GetInt64()));
        Assert.All(points.Skip(1), p => Assert.Equal(2, p.GetProperty("loops").GetInt32()));
        Assert.Equal("completed", points[^1].GetProperty("outcome").GetString());

        var user = await Http.GetFromJsonAsync<JsonElement>("api/users/r000/u003/history");
        Assert.Equal(3, user.GetProperty("points").GetArrayLength());
        Assert.Equal(1, user.GetProperty("points")[2].GetProperty("demand").GetDouble());

        var cell = await Http.GetFromJsonAsync<JsonElement>("api/cells/r000/c01/history");
        var slots = cell.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("slot").GetInt64()).ToArray();
        Assert.Equal(3, slots.Length);
        Assert.True(slots[0] < slots[1] && slots[1] < slots[2], string.Join(", ", slots));

        // A region that never ran has an empty history, not an error.
        var quiet = await Http.GetFromJsonAsync<JsonElement>("api/regions/r001/history");
        Assert.Equal(0, quiet.GetProperty("points").GetArrayLength());
    }

    [Fact]
    public async Task Policies_list_baselines_wrappers_and_learned_ones()
    {
        var policies = (await Http.GetFromJsonAsync<JsonElement>("api/policies")).EnumerateArray().ToArray();
        var wmmse = Assert.Single(policies, p => p.GetProperty("name").GetString() == "wmmse");
        Assert.Equal("baseline", wmmse.GetProperty("kind").GetString());
        Assert.False(wmmse.GetProperty("template").GetBoolean());
        var alcor = Assert.Single(policies, p => p.GetProperty("name").GetString() == "alcor(<inner>)");
        Assert.Equal("wrapper", alcor.GetProperty("kind").GetString());
        Assert.True(alcor.GetProperty("template").GetBoolean());

        // Every name that is not a template is one the region accepts.
        foreach (var name in policies.Where(p => !p.GetProperty("template").GetBoolean() && p.GetProperty("kind").GetString() == "baseline").Select(p => p.GetProperty("name").GetString()))
        {
            using var put = await Http.PutAsJsonAsync("api/regions/r001/policy", new { policy = name });
            Assert.True(put.StatusCode == HttpStatusCode.NoContent, $"{name}: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
        }
    }

    [Theory]
    [InlineData("{\"policy\": \"\"}", "must name a policy")]
    [InlineData("{\"policy\": \"no-such-policy\"}", "no-such-policy")]
    [InlineData("{\"policy\": \"wmmse\\u0000\"}", "no control characters")]
    [InlineData("{\"policy\": 5}", "The body is not a policy")]
    public async Task Bad_policies_get_a_400_problem_and_change_nothing(string body, string detail)
    {
        using var response = await Http.PutAsync("api/regions/r000/policy", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(detail, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var status = await Http.GetFromJsonAsync<JsonElement>("api/regions/r000");
        Assert.Equal(JsonValueKind.Null, status.GetProperty("pendingPolicy").ValueKind);
    }

    [Fact]
    public async Task A_long_policy_name_is_refused_before_it_reaches_the_grain()
    {
        var name = "alcor(" + new string('x', ControlApi.MaxPolicyNameLength) + ")";
        using var response = await Http.PutAsJsonAsync("api/regions/r000/policy", new { policy = name });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains($"at most {ControlApi.MaxPolicyNameLength} characters", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(name, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Overview_counts_loops_and_has_no_numbers_before_any()
    {
        var empty = await Http.GetFromJsonAsync<JsonElement>("api/overview");
        Assert.Equal(0, empty.GetProperty("loops").GetInt64());
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("loopP99Ms").ValueKind);
        await _api.Grains.GetGrain<IRegionGrain>("r000").RunLoopAsync(CancellationToken.None);
        await _api.Grains.GetGrain<IRegionGrain>("r001").RunLoopAsync(CancellationToken.None);
        // The monitor caches its aggregate for 200 ms; ask until the loops show (bounded).
        JsonElement overview;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        do
        {
            overview = await Http.GetFromJsonAsync<JsonElement>("api/overview");
        }
        while (overview.GetProperty("loops").GetInt64() < 2 && DateTime.UtcNow < deadline && await Task.Delay(50).ContinueWith(_ => true));

        Assert.Equal(2, overview.GetProperty("loops").GetInt64());
        Assert.Equal(16, overview.GetProperty("users").GetInt32());
        Assert.True(overview.GetProperty("loopP99Ms").GetDouble() > 0);
    }
}
