using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Controller.Grains;
using Controller.Host.Tests.Support;
using Controller.Ran.Simulation;

namespace Controller.Host.Tests.Api;

/// <summary>The ISAC trade-off through the API of a real silo whose region runs the isac scenario.</summary>
public sealed class IsacApiTests : IAsyncLifetime
{
    private ApiHost _api = null!;

    public async Task InitializeAsync() => _api = await ApiHost.StartAsync(
        network: new RanSimulatorOptions { Scenario = "isac", Regions = 1, Seed = 2 },
        control: new ControlPlaneOptions { Policy = "isac-robust:2" });

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private async Task<JsonElement> IsacOf(string region = "r000") =>
        (await _api.Operator.GetFromJsonAsync<JsonElement>($"api/regions/{region}")).GetProperty("isac");

    [Fact]
    public async Task Put_sets_the_weight_and_the_region_shows_it_with_crlb_and_wsr_after_a_loop()
    {
        Assert.Equal(0.5, (await IsacOf()).GetProperty("communicationWeight").GetDouble());
        Assert.Equal(JsonValueKind.Null, (await IsacOf()).GetProperty("crlb").ValueKind);

        using var put = await _api.Operator.PutAsJsonAsync("api/regions/r000/isac", new { communicationWeight = 0.8 });
        Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        Assert.Equal(LoopOutcome.Completed, await _api.Grains.GetGrain<IRegionGrain>("r000").RunLoopAsync(CancellationToken.None));

        var isac = await IsacOf();
        Assert.Equal(0.8, isac.GetProperty("communicationWeight").GetDouble());
        Assert.True(isac.GetProperty("crlb").GetDouble() > 0);
        Assert.True(isac.GetProperty("trueWsr").GetDouble() > 0);
        Assert.True(isac.GetProperty("beamformed").GetBoolean());
        // isac-robust:2 fixes the iterations: the region says so.
        Assert.Equal(2, isac.GetProperty("iterationBudget").GetInt32());
        Assert.False(isac.GetProperty("adaptiveBudget").GetBoolean());
        Assert.Contains(_api.Logs.Lines, l => l.Message.Contains("set-communication-weight r000", StringComparison.Ordinal) && l.Message.Contains("0.5 -> 0.8", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"communicationWeight\": 1.5}", 400, "must be a finite number in [0, 1]")]
    [InlineData("{\"communicationWeight\": -0.1}", 400, "must be a finite number in [0, 1]")]
    [InlineData("{\"communicationWeight\": \"NaN\"}", 400, "The body is not an ISAC trade-off")]
    [InlineData("{\"communicationWeight\": 1e999}", 400, "must be a finite number in [0, 1]")]
    [InlineData("{\"weight\": 0.3}", 400, "The body is not an ISAC trade-off")]
    [InlineData("{}", 400, "The body is not an ISAC trade-off")]
    public async Task Bad_weights_get_a_problem_and_change_nothing(string body, int status, string detail)
    {
        using (var first = await _api.Operator.PutAsJsonAsync("api/regions/r000/isac", new { communicationWeight = 0.3 }))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        }

        using var response = await _api.Operator.PutAsync("api/regions/r000/isac", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0.3, (await IsacOf()).GetProperty("communicationWeight").GetDouble());
    }

    [Fact]
    public async Task Unknown_region_is_a_404_and_a_missing_key_a_401()
    {
        using var unknown = await _api.Operator.PutAsJsonAsync("api/regions/r042/isac", new { communicationWeight = 0.3 });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("Unknown region 'r042'", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var anonymous = await _api.Anonymous.PutAsJsonAsync("api/regions/r000/isac", new { communicationWeight = 0.3 });
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(0.5, (await IsacOf()).GetProperty("communicationWeight").GetDouble());
    }

    [Fact]
    public async Task Policies_list_both_isac_policies()
    {
        var policies = (await _api.Operator.GetFromJsonAsync<JsonElement>("api/policies")).EnumerateArray().ToArray();
        Assert.Equal("isac", Assert.Single(policies, p => p.GetProperty("name").GetString() == "isac-robust").GetProperty("kind").GetString());
        Assert.Equal("isac", Assert.Single(policies, p => p.GetProperty("name").GetString() == "isac-nonrobust").GetProperty("kind").GetString());
    }
}

/// <summary>A region without ISAC cells refuses a trade-off.</summary>
public sealed class IsacApiOnPowerOnlyRegionTests
{
    [Fact]
    public async Task Weight_for_a_region_without_isac_cells_is_a_409()
    {
        await using var api = await ApiHost.StartAsync();

        using var response = await api.Operator.PutAsJsonAsync("api/regions/r000/isac", new { communicationWeight = 0.3 });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("has no ISAC cells", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await api.Operator.GetFromJsonAsync<JsonElement>("api/regions/r000")).GetProperty("isac").ValueKind);
    }
}
