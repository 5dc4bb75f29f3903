using System.Net;
using System.Text;
using System.Text.Json;
using Controller.Ran.Http;
using Controller.Ran.Simulation;

namespace Controller.Ran.Tests.Http;

/// <summary>The RAN's record of who controls each region, on a clock that moves only when a test moves it.</summary>
public sealed class RanControlLogTests
{
    private static readonly TimeSpan _period = TimeSpan.FromMilliseconds(100);

    private readonly ManualTimeProvider _clock = new();
    private readonly RanControlLog _log;
    private long _slot;

    public RanControlLogTests() => _log = new RanControlLog(new RanControlLogOptions { TimeProvider = _clock });

    [Fact]
    public void Read_NoDecisionYet_EveryTopologyRegionWithZeros()
    {
        var snapshot = _log.Read(["r001", "r000"]);

        Assert.Equal(["r000", "r001"], snapshot.Regions.Select(r => r.RegionId));
        Assert.All(snapshot.Regions, r =>
        {
            Assert.Equal(0, r.DecisionsAccepted);
            Assert.Null(r.LastAcceptedUtc);
            Assert.Null(r.LastControllerId);
            Assert.Empty(r.Controllers);
            Assert.Null(r.Recent);
        });
        Assert.Equal(25, snapshot.SwitchWindowMs);
        Assert.Equal(1000, snapshot.InterleaveWindowMs);
    }

    [Fact]
    public void Record_OneController_CountsLastTimeAndControllerAndGap()
    {
        Push("A", 3);
        _clock.Advance(TimeSpan.FromMilliseconds(400));
        Push("A", 1);

        var region = Region();
        Assert.Equal(4, region.DecisionsAccepted);
        Assert.Equal(_clock.GetUtcNow(), region.LastAcceptedUtc);
        Assert.Equal("A", region.LastControllerId);
        Assert.Equal(0, region.Overlaps);
        Assert.Equal(0, region.Handovers);
        Assert.Equal(0.5, region.LongestGapSeconds, 9);
        Assert.Equal(4, Assert.Single(region.Controllers).Decisions);
    }

    [Fact]
    public void Record_CleanHandoverAfterAGap_IsNoOverlap()
    {
        Push("A", 5);
        _clock.Advance(TimeSpan.FromSeconds(2));
        Push("B", 5);

        var region = Region();
        Assert.Equal(0, region.Overlaps);
        Assert.Equal(1, region.Handovers);
        Assert.Equal("B", region.LastControllerId);
        Assert.Equal(["A", "B"], region.Controllers.Select(c => c.ControllerId));
        Assert.Equal([5L, 5L], region.Controllers.Select(c => c.Decisions));
        Assert.Equal(2.1, region.LongestGapSeconds, 9);
    }

    [Fact]
    public void Record_HandoverJustAtTheSwitchWindow_IsNoOverlap()
    {
        Push("A", 1);
        _clock.Advance(RanControlLogOptions.DefaultSwitchWindow - _period);
        Push("B", 1);

        Assert.Equal(0, Region().Overlaps);
    }

    [Fact]
    public void Record_SwitchWithinTheSwitchWindow_IsAnOverlap()
    {
        Push("A", 1);
        _clock.Advance(TimeSpan.FromMilliseconds(10) - _period);
        Assert.True(Push("B", 1));

        Assert.Equal(1, Region().Overlaps);
    }

    [Fact]
    public void Record_InterleavedControllers_EveryReturnIsAnOverlap()
    {
        // A and B both alive, 50 ms apart: A, B, A, B, A. The first switch is 50 ms after A (beyond the switch window),
        // so only the returns (b) count: B's second, A's second and third.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(i >= 2, Push(i % 2 == 0 ? "A" : "B", 1, TimeSpan.FromMilliseconds(50)));
        }

        var region = Region();
        Assert.Equal(3, region.Overlaps);
        Assert.Equal(4, region.Handovers);
    }

    [Fact]
    public void Record_ReturnAfterTheInterleaveWindow_IsARebalanceNotAnOverlap()
    {
        Push("A", 3);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Push("B", 20);
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        Push("A", 3);

        var region = Region();
        Assert.Equal(0, region.Overlaps);
        Assert.Equal(2, region.Handovers);
    }

    [Fact]
    public void Record_WithoutAnId_IsUnidentified()
    {
        _log.Record("r000", null, 0);

        Assert.Equal(RanControlLog.Unidentified, Region().LastControllerId);
    }

    [Fact]
    public void Read_Since_OnlyLaterDecisionsWithSlotsAndOverlapFlags()
    {
        Push("A", 3);
        var since = _clock.GetUtcNow();
        Push("A", 2);
        Push("B", 1, TimeSpan.FromMilliseconds(5));

        var recent = Assert.IsAssignableFrom<IReadOnlyList<AcceptedDecision>>(Region(since).Recent);
        Assert.Equal(["A", "A", "B"], recent.Select(d => d.ControllerId));
        Assert.Equal([3L, 4L, 5L], recent.Select(d => d.Slot));
        Assert.Equal([false, false, true], recent.Select(d => d.Overlap));
        Assert.True(recent.All(d => d.AtUtc > since));
    }

    [Fact]
    public void Read_Since_KeepsOnlyTheLastCapacityDecisions()
    {
        var log = new RanControlLog(new RanControlLogOptions { TimeProvider = _clock, RecentCapacity = 40 });
        var start = _clock.GetUtcNow();
        for (var slot = 0; slot < 100; slot++)
        {
            _clock.Advance(_period);
            log.Record("r000", "A", slot);
        }

        var region = Assert.Single(log.Read([], start).Regions);
        Assert.Equal(100, region.DecisionsAccepted);
        Assert.Equal(Enumerable.Range(60, 40).Select(s => (long)s), region.Recent!.Select(d => d.Slot));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("tab\t")]
    [InlineData("é")]
    public void Check_NotPrintableAsciiWithoutSpaces_SaysWhy(string id) =>
        Assert.StartsWith("A controller id must be 1 to 200 printable ASCII characters", RanControlLog.Check(id), StringComparison.Ordinal);

    [Fact]
    public void Constructor_NegativeWindow_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RanControlLog(new RanControlLogOptions { SwitchWindow = TimeSpan.FromMilliseconds(-1) }));

    /// <summary><paramref name="count"/> decisions from <paramref name="controller"/>, one every <paramref name="every"/> (default the period); true when the last overlapped.</summary>
    private bool Push(string controller, int count, TimeSpan? every = null)
    {
        var overlap = false;
        for (var i = 0; i < count; i++)
        {
            _clock.Advance(every ?? _period);
            overlap = _log.Record("r000", controller, _slot++);
        }

        return overlap;
    }

    private RegionControlLog Region(DateTimeOffset? since = null) => Assert.Single(_log.Read(["r000"], since).Regions);
}

/// <summary><c>GET /ran/control-log</c> and the <c>X-Controller-Id</c> header over a real Kestrel server.</summary>
public sealed class RanControlLogHttpTests : IAsyncLifetime, IDisposable
{
    private readonly RanSimulator _simulator = new(new RanSimulatorOptions { Settings = [new("aps", "2"), new("users", "6")], Regions = 2, Seed = 3 });
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private RanHttpServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await RanHttpServer.StartAsync(_simulator, new RanHttpServerOptions(), CancellationToken.None);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task PushDecisionsAsync_WithControllerId_TheLogNamesItOnlyForAcceptedDecisions()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var client = new RanHttpClient(_http, _server.Address, "host-a:1234:11111");
        var topology = await client.GetTopologyAsync(CancellationToken.None);
        var telemetry = await client.PullTelemetryAsync("r001", CancellationToken.None);
        await client.PushDecisionsAsync("r001", Decisions.Serve(topology.Regions[1], telemetry), CancellationToken.None);
        // The same slot again: rejected (409), so not in the log.
        await Assert.ThrowsAsync<Controller.Ran.Contract.RanRejectedException>(() => client.PushDecisionsAsync("r001", Decisions.Serve(topology.Regions[1], telemetry), CancellationToken.None));

        var log = await client.GetControlLogAsync(before, CancellationToken.None);

        Assert.Equal(["r000", "r001"], log.Regions.Select(r => r.RegionId));
        Assert.Equal(0, log.Regions[0].DecisionsAccepted);
        var region = log.Regions[1];
        Assert.Equal(1, region.DecisionsAccepted);
        Assert.Equal("host-a:1234:11111", region.LastControllerId);
        Assert.Equal(telemetry.Slot, Assert.Single(region.Recent!).Slot);
        Assert.InRange(region.LastAcceptedUtc!.Value, before, DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task ControlLog_WithoutSince_HasNoRecentMember()
    {
        var json = await _http.GetStringAsync(new Uri(_server.Address, "ran/control-log"));

        using var document = JsonDocument.Parse(json);
        var region = document.RootElement.GetProperty("regions")[0];
        Assert.Equal("r000", region.GetProperty("regionId").GetString());
        Assert.False(region.TryGetProperty("recent", out _));
        Assert.Equal(JsonValueKind.Null, region.GetProperty("lastControllerId").ValueKind);
    }

    [Fact]
    public async Task Server_BadControllerIdOrSince_400ProblemAndNothingApplied()
    {
        var topology = _simulator.Topology.Regions[0];
        var telemetry = _simulator.PullTelemetry("r000");
        using var push = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.Address, "ran/regions/r000/decisions"))
        {
            Content = new StringContent(JsonSerializer.Serialize(Decisions.Serve(topology, telemetry), JsonSerializerOptions.Web), Encoding.UTF8, "application/json"),
        };
        push.Headers.TryAddWithoutValidation(RanControlLog.HeaderName, new string('x', 201));

        using var refused = await _http.SendAsync(push);
        using var badSince = await _http.GetAsync(new Uri(_server.Address, "ran/control-log?since=yesterday"));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("X-Controller-Id: A controller id must be 1 to 200", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(telemetry.Slot, _simulator.PullTelemetry("r000").Slot);
        Assert.Equal(HttpStatusCode.BadRequest, badSince.StatusCode);
        Assert.Contains("since must be an ISO 8601 time", await badSince.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void Client_InvalidControllerId_ArgumentException() =>
        Assert.Throws<ArgumentException>(() => new RanHttpClient(_http, _server.Address, "two words"));
}
