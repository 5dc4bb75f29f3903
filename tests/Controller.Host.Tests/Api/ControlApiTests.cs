using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Controller.Grains;
using Controller.Host.Api;
using Controller.Ran.Simulation;
using Controller.Grains.Hosting;
using Controller.Host.Hosting;
using Controller.Host.Tests.Support;

namespace Controller.Host.Tests.Api;

/// <summary>The silo's API over real HTTP (Kestrel on a free loopback port) in front of a real Orleans silo, in one host as the demo runs it; the client holds the API key.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes them in IAsyncLifetime.DisposeAsync.")]
public sealed class ControlApiTests : IAsyncLifetime
{
    private ControllerHost _host = null!;
    private IGrainFactory _runtime = null!;
    private HttpClient _http = null!;

    private ApiHost _api = null!;

    public async Task InitializeAsync()
    {
        _api = await ApiHost.StartAsync();
        _host = _api.Host;
        _runtime = _api.Grains;
        _http = _api.Operator;
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Put_demand_reaches_the_user_on_the_next_loop()
    {
        using var response = await _http.PutAsJsonAsync("api/users/r001/u005/demand", new { demand = 0.75 });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(LoopOutcome.Completed, await _runtime.GetGrain<IRegionGrain>("r001").RunLoopAsync(CancellationToken.None));

        var escaped = await _http.GetFromJsonAsync<JsonElement>("api/users/r001%2Fu005");
        Assert.Equal(0.75, escaped.GetProperty("demand").GetDouble());
        Assert.Equal(1, escaped.GetProperty("observations").GetInt64());
        var other = await _http.GetFromJsonAsync<JsonElement>("api/users/r001/u004");
        Assert.Equal(1, other.GetProperty("demand").GetDouble());
    }

    [Theory]
    [InlineData("{\"demand\": -0.5}", "must be a finite number in [0, 40]")]
    [InlineData("{\"demand\": 40.5}", "must be a finite number in [0, 40]")]
    [InlineData("{\"demand\": \"lots\"}", "The body is not a demand")]
    [InlineData("{\"demand\": \"0.5\"}", "The body is not a demand")]
    [InlineData("{\"demand\": null}", "The body is not a demand")]
    [InlineData("{\"demnad\": 0.5}", "The body is not a demand")]
    [InlineData("{}", "missing required properties")]
    [InlineData("{\"demand\": 0.5, \"extra\": 1}", "The body is not a demand")]
    [InlineData("{\"demand\": 1e999}", "must be a finite number in [0, 40]")]
    [InlineData("", "The body is empty")]
    public async Task Bad_demands_get_a_problem_and_change_nothing(string body, string detail)
    {
        await Bad_demand_changes_nothing(new StringContent(body, Encoding.UTF8, "application/json"), detail);
    }

    [Fact]
    public async Task A_body_that_is_not_json_gets_a_problem_and_changes_nothing()
        => await Bad_demand_changes_nothing(new StringContent("demand=0.5", Encoding.UTF8, "application/x-www-form-urlencoded"), "must be JSON");

    [Fact]
    public async Task Delete_clears_the_operator_demand()
    {
        using var set = await _http.PutAsJsonAsync("api/users/r000/u003/demand", new { demand = 2.5 });
        Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        await _runtime.GetGrain<IRegionGrain>("r000").RunLoopAsync(CancellationToken.None);
        Assert.Equal(2.5, (await _http.GetFromJsonAsync<JsonElement>("api/users/r000/u003")).GetProperty("demand").GetDouble());

        using var cleared = await _http.DeleteAsync("api/users/r000/u003/demand");
        Assert.Equal(HttpStatusCode.NoContent, cleared.StatusCode);
        await _runtime.GetGrain<IRegionGrain>("r000").RunLoopAsync(CancellationToken.None);
        Assert.Equal(1, (await _http.GetFromJsonAsync<JsonElement>("api/users/r000/u003")).GetProperty("demand").GetDouble());
    }

    private async Task Bad_demand_changes_nothing(HttpContent content, string detail)
    {
        using (content)
        {
            using var response = await _http.PutAsync("api/users/r000/u001/demand", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await _runtime.GetGrain<IRegionGrain>("r000").RunLoopAsync(CancellationToken.None);
        var user = await _http.GetFromJsonAsync<JsonElement>("api/users/r000/u001");
        Assert.Equal(1, user.GetProperty("demand").GetDouble());
        }
    }

    [Fact]
    public async Task Unknown_ids_get_404_and_oversized_bodies_413()
    {
        using var user = await _http.PutAsJsonAsync("api/users/r000/u999/demand", new { demand = 1 });
        Assert.Equal(HttpStatusCode.NotFound, user.StatusCode);
        Assert.Contains("Unknown user 'r000/u999'", await user.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var region = await _http.GetAsync("api/regions/r007");
        Assert.Equal(HttpStatusCode.NotFound, region.StatusCode);
        using var cell = await _http.GetAsync("api/cells/r000/c09");
        Assert.Equal(HttpStatusCode.NotFound, cell.StatusCode);

        var huge = "{\"policy\": \"" + new string('w', 10_000) + "\"}";
        using var oversized = await _http.PutAsync("api/regions/r000/policy", new StringContent(huge, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
    }

    [Fact]
    public async Task Policy_switch_through_the_API_takes_effect_on_the_next_loop()
    {
        await _runtime.GetGrain<IRegionGrain>("r000").RunLoopAsync(CancellationToken.None);
        using var bad = await _http.PutAsJsonAsync("api/regions/r000/policy", new { policy = "wmmse:0" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("iteration count", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var good = await _http.PutAsJsonAsync("api/regions/r000/policy", new { policy = "wmmse" });
        Assert.Equal(HttpStatusCode.NoContent, good.StatusCode);
        await _runtime.GetGrain<IRegionGrain>("r000").RunLoopAsync(CancellationToken.None);
        var status = await _http.GetFromJsonAsync<JsonElement>("api/regions/r000");
        Assert.Equal("wmmse", status.GetProperty("policy").GetString());
        Assert.Equal(2, status.GetProperty("iterations").GetInt64());
        var cell = await _http.GetFromJsonAsync<JsonElement>("api/cells/r000/c01");
        Assert.Equal("wmmse", cell.GetProperty("lastDecision").GetProperty("policy").GetString());
        var all = await _http.GetFromJsonAsync<JsonElement>("api/regions");
        Assert.Equal(2, all.GetArrayLength());
        Assert.Equal("ok", await _http.GetStringAsync("healthz"));
    }
}
