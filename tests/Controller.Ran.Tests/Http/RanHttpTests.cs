using System.Net;
using System.Text;
using System.Text.Json;
using Controller.Ran.Contract;
using Controller.Ran.Http;
using Controller.Ran.Simulation;

namespace Controller.Ran.Tests.Http;

/// <summary>The HTTP protocol through a real Kestrel server on a free loopback port, in this process.</summary>
public sealed class RanHttpTests : IAsyncLifetime, IDisposable
{
    private const long BodyLimit = 16 * 1024;

    private readonly RanSimulator _simulator = new(new RanSimulatorOptions
    {
        Settings = [new("aps", "2"), new("users", "6")],
        Regions = 2,
        Seed = 3,
        TimeProvider = new ManualTimeProvider(),
    });

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private RanHttpServer _server = null!;
    private RanHttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await RanHttpServer.StartAsync(_simulator, new RanHttpServerOptions { MaxRequestBodyBytes = BodyLimit }, CancellationToken.None);
        _client = new RanHttpClient(_http, _server.Address);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task GetTopologyAsync_OverHttp_EqualsTheSimulators()
    {
        var topology = await _client.GetTopologyAsync(CancellationToken.None);

        Assert.Equal(2, topology.Regions.Count);
        for (var r = 0; r < 2; r++)
        {
            var expected = _simulator.Topology.Regions[r];
            var actual = topology.Regions[r];
            Assert.Equal(expected.RegionId, actual.RegionId);
            Assert.Equal(expected.Scenario, actual.Scenario);
            Assert.Equal(expected.CellIds, actual.CellIds);
            Assert.Equal(expected.UserIds, actual.UserIds);
            Assert.Equal(expected.ServingCell, actual.ServingCell);
            Assert.Equal(expected.Noise, actual.Noise);
            Assert.Equal(expected.MaxPower, actual.MaxPower);
            Assert.Equal(expected.PowerUnit, actual.PowerUnit);
        }
    }

    [Fact]
    public async Task PullTelemetryAsync_OverHttp_BitExactSample()
    {
        var expected = _simulator.PullTelemetry("r001");

        var actual = await _client.PullTelemetryAsync("r001", CancellationToken.None);

        Assert.Equal(expected.RegionId, actual.RegionId);
        Assert.Equal(expected.Slot, actual.Slot);
        Assert.Equal(expected.Timestamp, actual.Timestamp);
        Assert.Equal(expected.Gains.Select(row => row.ToArray()), actual.Gains.Select(row => row.ToArray()));
        Assert.Equal(expected.Active, actual.Active);
        Assert.Equal(expected.Rates, actual.Rates);
        Assert.Equal(expected.Demands, actual.Demands);
    }

    [Fact]
    public async Task PullTelemetryAsync_AsynchronousAggGnn_WakeFlagsCrossHttp()
    {
        var simulator = new RanSimulator(new RanSimulatorOptions { Scenario = "agg-gnn", Settings = [new("pairs", "8"), new("awake", "0.5")], Regions = 1, Seed = 3 });
        await using var server = await RanHttpServer.StartAsync(simulator, new RanHttpServerOptions(), CancellationToken.None);
        var client = new RanHttpClient(_http, server.Address);

        var expected = simulator.PullTelemetry("r000");
        var actual = await client.PullTelemetryAsync("r000", CancellationToken.None);

        Assert.NotNull(expected.Awake);
        Assert.Contains(false, expected.Awake);
        Assert.Equal(expected.Awake, actual.Awake);
        // The usual synchronous RAN sends none: every cell is awake.
        Assert.Null((await _client.PullTelemetryAsync("r000", CancellationToken.None)).Awake);
    }

    [Fact]
    public async Task PushDecisionsAsync_OverHttp_RatesOfTheSimulatorAndNextSlot()
    {
        var topology = _simulator.Topology.Regions[0];
        var telemetry = await _client.PullTelemetryAsync("r000", CancellationToken.None);
        var decision = Decisions.Serve(topology, telemetry, 0.6);
        var reference = new RanSimulator(new RanSimulatorOptions { Settings = [new("aps", "2"), new("users", "6")], Regions = 2, Seed = 3 });

        var receipt = await _client.PushDecisionsAsync("r000", decision, CancellationToken.None);
        var next = await _client.PullTelemetryAsync("r000", CancellationToken.None);

        Assert.Equal(0, receipt.Slot);
        Assert.Equal(reference.PushDecisions("r000", decision).Rates, receipt.Rates);
        Assert.Contains(receipt.Rates, rate => rate > 0);
        Assert.Equal(1, next.Slot);
        Assert.Equal(receipt.Rates, next.Rates);
    }

    public static TheoryData<string, string, string?, int, string> Problems => new()
    {
        { "GET", "ran/regions/r009/telemetry", null, 404, "Unknown region 'r009'; this RAN has regions r000 to r001." },
        { "POST", "ran/regions/r009/decisions", """{"slot":0,"power":[0,0],"servedUser":[-1,-1]}""", 404, "Unknown region 'r009'; this RAN has regions r000 to r001." },
        { "POST", "ran/regions/r000/decisions", """{"slot":7,"power":[0,0],"servedUser":[-1,-1]}""", 409, "The decision is for slot 7 but region 'r000' is at slot 0; pull its telemetry again." },
        { "POST", "ran/regions/r000/decisions", """{"slot":0,"power":["NaN",0],"servedUser":[-1,-1]}""", 400, "Power of cell 'r000/c00' is NaN; it must be a finite number in [0, 10] mW." },
        { "POST", "ran/regions/r000/decisions", """{"slot":0,"power":[0],"servedUser":[-1,-1]}""", 400, "The decision for region 'r000' has 1 powers; the region has 2 cells." },
        { "POST", "ran/regions/r000/decisions", """{"slot":0,"power":[0,0]}""", 400, "The body is not a decision {\"slot\", \"power\": [...], \"servedUser\": [...]}: JSON deserialization for type 'RegionDecision' was missing required properties including: 'servedUser'." },
        { "POST", "ran/regions/r000/decisions", """{"slot":0,"power":null,"servedUser":[-1,-1]}""", 400, "The body is not a decision {\"slot\", \"power\": [...], \"servedUser\": [...]}: The constructor parameter 'Power' on type 'RegionDecision' doesn't allow null values. Consider updating its nullability annotation. Path: $.power | LineNumber: 0 | BytePositionInLine: 22." },
        { "POST", "ran/regions/r000/decisions", "{", 400, "The body is not a decision {\"slot\", \"power\": [...], \"servedUser\": [...]}: Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed. Path: $ | LineNumber: 0 | BytePositionInLine: 1." },
        { "POST", "ran/regions/r000/decisions", "", 400, "The body is empty; it must be a decision {\"slot\", \"power\": [...], \"servedUser\": [...]}." },
        { "PUT", "ran/users/r000%2Fu009/demand", """{"demand":1}""", 404, "Unknown user 'r000/u009'; user ids look like 'r000/u000' (this RAN has 2 regions of 6 users)." },
        { "PUT", "ran/users/r000%2Fu001/demand", """{"demand":-1}""", 400, "Demand of user 'r000/u001' must be a finite number in [0, 40] bps/Hz (got -1)." },
        { "PUT", "ran/users/r000%2Fu001/demand", """{"demand":"Infinity"}""", 400, "Demand of user 'r000/u001' must be a finite number in [0, 40] bps/Hz (got Infinity)." },
        { "PUT", "ran/users/r000%2Fu001/demand", """{"demand":"x"}""", 400, "The body is not a demand {\"demand\": number}: The JSON value could not be converted to DemandBody. Path: $.demand | LineNumber: 0 | BytePositionInLine: 13." },
        { "POST", "ran/regions/r000/faults", """{"kind":"flood"}""", 400, "Unknown fault kind 'flood'; known: nan-gains, negative-gains, missing-gains, unknown-ids, late-sample, unavailable." },
        { "POST", "ran/regions/r000/faults", """{"kind":"nan-gains","pulls":0}""", 400, "A fault must last between 1 and 1000000 pulls (got 0)." },
        { "POST", "ran/regions/r007/faults", """{"kind":"nan-gains"}""", 404, "Unknown region 'r007'; this RAN has regions r000 to r001." },
        { "DELETE", "ran/regions/r007/faults", null, 404, "Unknown region 'r007'; this RAN has regions r000 to r001." },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public async Task Server_BadRequest_ProblemDetailsWithStatusAndPreciseDetail(string method, string path, string? body, int status, string detail)
    {
        var (actualStatus, problem, text) = await SendRawAsync(method, path, body);

        Assert.Equal(status, actualStatus);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.DoesNotContain(" at Controller.", text, StringComparison.Ordinal);
        Assert.Equal(0, _simulator.PullTelemetry("r000").Slot);
    }

    [Theory]
    [InlineData("GET", "ran/nothing", 404)]
    [InlineData("DELETE", "ran/topology", 405)]
    public async Task Server_UnknownRouteOrMethod_ProblemDetails(string method, string path, int status)
    {
        var (actualStatus, problem, _) = await SendRawAsync(method, path, body: null);

        Assert.Equal(status, actualStatus);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Server_BodyAboveLimit_413ProblemAndClientTooLarge()
    {
        var zeros = string.Join(',', Enumerable.Repeat("0", (int)BodyLimit));
        var body = $$"""{"slot":0,"power":[{{zeros}}],"servedUser":[-1,-1]}""";

        var (status, problem, _) = await SendRawAsync("POST", "ran/regions/r000/decisions", body);
        var huge = new RegionDecision(0, new double[(int)BodyLimit], new int[2]);
        var rejected = await Assert.ThrowsAsync<RanRejectedException>(() => _client.PushDecisionsAsync("r000", huge, CancellationToken.None));

        Assert.Equal(413, status);
        Assert.Equal("The request body is larger than this RAN's limit of 16384 bytes.", problem.GetProperty("detail").GetString());
        Assert.Equal(RanRejection.TooLarge, rejected.Reason);
        Assert.Equal("The request body is larger than this RAN's limit of 16384 bytes.", rejected.Message);
    }

    [Fact]
    public async Task Client_Rejections_ReasonFromStatusAndMessageFromDetail()
    {
        var topology = _simulator.Topology.Regions[0];
        var telemetry = await _client.PullTelemetryAsync("r000", CancellationToken.None);
        var valid = Decisions.Serve(topology, telemetry);

        var unknown = await Assert.ThrowsAsync<RanRejectedException>(() => _client.PullTelemetryAsync("r042", CancellationToken.None));
        var wrongSlot = await Assert.ThrowsAsync<RanRejectedException>(() => _client.PushDecisionsAsync("r000", valid with { Slot = 3 }, CancellationToken.None));
        var invalid = await Assert.ThrowsAsync<RanRejectedException>(() => _client.PushDecisionsAsync("r000", valid with { Power = [-1.0, 0.0] }, CancellationToken.None));
        var demand = await Assert.ThrowsAsync<RanRejectedException>(() => _client.SetDemandAsync("r000/u001", double.NaN, CancellationToken.None));

        Assert.Equal((RanRejection.UnknownId, "Unknown region 'r042'; this RAN has regions r000 to r001."), (unknown.Reason, unknown.Message));
        Assert.Equal((RanRejection.WrongSlot, "The decision is for slot 3 but region 'r000' is at slot 0; pull its telemetry again."), (wrongSlot.Reason, wrongSlot.Message));
        Assert.Equal((RanRejection.InvalidRequest, "Power of cell 'r000/c00' is -1; it must be a finite number in [0, 10] mW."), (invalid.Reason, invalid.Message));
        Assert.Equal((RanRejection.InvalidRequest, "Demand of user 'r000/u001' must be a finite number in [0, 40] bps/Hz (got NaN)."), (demand.Reason, demand.Message));
    }

    [Fact]
    public async Task SetDemandAsync_UserIdWithSlash_ReachesTheUser()
    {
        await _client.SetDemandAsync("r001/u005", 2.75, CancellationToken.None);

        var telemetry = await _client.PullTelemetryAsync("r001", CancellationToken.None);

        Assert.Equal(2.75, telemetry.Demands[5]);
        Assert.Equal(1.0, telemetry.Demands[4]);
    }

    [Fact]
    public async Task Server_DemandWithUnescapedSlash_ReachesTheUser()
    {
        using var response = await _http.PutAsync(new Uri(_server.Address, "ran/users/r000/u003/demand"), new StringContent("""{"demand":0.25}"""));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(0.25, _simulator.PullTelemetry("r000").Demands[3]);
    }

    [Fact]
    public async Task InjectFaultAsync_NanGains_NaNCrossesTheWireAndTheCheckRejectsIt()
    {
        var topology = _simulator.Topology.Regions[0];

        await _client.InjectFaultAsync("r000", new RanFault(RanFaultKind.NanGains, Pulls: 3), CancellationToken.None);
        var faulty = await _client.PullTelemetryAsync("r000", CancellationToken.None);
        await _client.ClearFaultAsync("r000", CancellationToken.None);
        var clean = await _client.PullTelemetryAsync("r000", CancellationToken.None);

        Assert.True(double.IsNaN(faulty.Gains[0][topology.ServingCell[0]]));
        Assert.Equal(TelemetryDefect.NonFiniteValue, TelemetryCheck.Check(topology, faulty, 0, null).Defect);
        Assert.True(TelemetryCheck.Check(topology, clean, 0, null).IsUsable);
    }

    [Fact]
    public async Task Client_RegionUnavailable_503AsRanUnavailableThenRecovers()
    {
        await _client.InjectFaultAsync("r000", new RanFault(RanFaultKind.Unavailable, Pulls: 1), CancellationToken.None);

        var (status, problem, _) = await SendRawAsync("GET", "ran/regions/r000/telemetry", body: null);
        var recovered = await _client.PullTelemetryAsync("r000", CancellationToken.None);
        await _client.InjectFaultAsync("r000", new RanFault(RanFaultKind.Unavailable, Pulls: 1), CancellationToken.None);
        var unavailable = await Assert.ThrowsAsync<RanUnavailableException>(() => _client.PullTelemetryAsync("r000", CancellationToken.None));

        Assert.Equal(503, status);
        Assert.Equal("Region 'r000' is unavailable (injected fault, 0 more pulls).", problem.GetProperty("detail").GetString());
        Assert.Equal(0, recovered.Slot);
        Assert.Equal("The RAN failed (503): Region 'r000' is unavailable (injected fault, 0 more pulls).", unavailable.Message);
    }

    [Fact]
    public async Task Client_ServerStopped_RanUnavailable()
    {
        var telemetry = await _client.PullTelemetryAsync("r000", CancellationToken.None);

        await _server.StopAsync(CancellationToken.None);
        var pull = await Assert.ThrowsAsync<RanUnavailableException>(() => _client.PullTelemetryAsync("r000", CancellationToken.None));
        var push = await Assert.ThrowsAsync<RanUnavailableException>(() => _client.PushDecisionsAsync("r000", Decisions.Serve(_simulator.Topology.Regions[0], telemetry), CancellationToken.None));

        Assert.StartsWith($"The RAN at {_server.Address} ", pull.Message, StringComparison.Ordinal);
        Assert.NotNull(push.InnerException);
    }

    [Fact]
    public async Task Client_CallerCancels_OperationCanceledNotUnavailable()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.PullTelemetryAsync("r000", cancelled.Token));
    }

    [Fact]
    public async Task Server_AdapterFailsUnexpectedly_500WithoutInternalsAndClientUnavailable()
    {
        await using var server = await RanHttpServer.StartAsync(new BrokenRan(), new RanHttpServerOptions(), CancellationToken.None);
        var client = new RanHttpClient(_http, server.Address);

        var response = await _http.GetAsync(new Uri(server.Address, "ran/regions/r000/telemetry"));
        var text = await response.Content.ReadAsStringAsync();
        var unavailable = await Assert.ThrowsAsync<RanUnavailableException>(() => client.PullTelemetryAsync("r000", CancellationToken.None));
        var noControl = await _http.PutAsync(new Uri(server.Address, "ran/users/r000%2Fu000/demand"), new StringContent("""{"demand":1}"""));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("BrokenRan", text, StringComparison.Ordinal);
        Assert.StartsWith("The RAN failed (500): ", unavailable.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, noControl.StatusCode);
    }

    [Fact]
    public async Task StartAsync_PortInUse_IOExceptionNamingTheAddress()
    {
        var url = $"http://127.0.0.1:{_server.Address.Port}";

        var exception = await Assert.ThrowsAsync<IOException>(() => RanHttpServer.StartAsync(_simulator, new RanHttpServerOptions { Listen = url }, CancellationToken.None));

        Assert.StartsWith($"Cannot listen on '{url}': ", exception.Message, StringComparison.Ordinal);
    }

    private async Task<(int Status, JsonElement Problem, string Text)> SendRawAsync(string method, string path, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(_server.Address, path));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(text);
        return ((int)response.StatusCode, document.RootElement.Clone(), text);
    }

    private sealed class BrokenRan : IRanAdapter
    {
        public Task<RanTopology> GetTopologyAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("secret internals");

        public Task<RegionTelemetry> PullTelemetryAsync(string regionId, CancellationToken cancellationToken) => throw new InvalidOperationException("secret internals");

        public Task<DecisionReceipt> PushDecisionsAsync(string regionId, RegionDecision decision, CancellationToken cancellationToken) => throw new InvalidOperationException("secret internals");
    }
}
