using Controller.Radio.Scenarios;
using Controller.Ran.Contract;
using Controller.Ran.Http;
using Controller.Ran.Simulation;

namespace Controller.Ran.Tests.Http;

/// <summary>An ISAC region over the HTTP protocol: channel vectors out, beams in, tracking metrics back, malformed beams refused.</summary>
public sealed class IsacHttpTests : IAsyncLifetime, IDisposable
{
    private readonly RanSimulator _simulator = new(new RanSimulatorOptions { Scenario = "isac", Regions = 1, Seed = 6, TimeProvider = new ManualTimeProvider() });
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private RanHttpServer _server = null!;
    private RanHttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await RanHttpServer.StartAsync(_simulator, new RanHttpServerOptions(), CancellationToken.None);
        _client = new RanHttpClient(_http, _server.Address);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _http.Dispose();

    private static IReadOnlyList<IReadOnlyList<double>> InitialBlocks()
    {
        var scenario = ScenarioCatalog.Get("isac");
        var network = ((IsacScenario)scenario).CreateNetwork(scenario.Resolve([]), 6, 0);
        var design = network.InitialBeams();
        return [.. Enumerable.Range(0, network.BaseStations).Select(l => network.BeamBlock(l)).Select(b => (IReadOnlyList<double>)design[b.Start..(b.Start + b.Length)])];
    }

    [Fact]
    public async Task Beams_OverHttp_GiveTheSimulatorsReceipt()
    {
        var topology = (await _client.GetTopologyAsync(CancellationToken.None)).Regions[0];
        var telemetry = await _client.PullTelemetryAsync("r000", CancellationToken.None);
        Assert.Equal(_simulator.Topology.Regions[0].Isac!.Reflection, topology.Isac!.Reflection);
        Assert.Equal(_simulator.PullTelemetry("r000").Isac!.Channels, telemetry.Isac!.Channels);

        var receipt = await _client.PushDecisionsAsync("r000", Decisions.Serve(topology, telemetry) with { Beams = InitialBlocks() }, CancellationToken.None);

        Assert.True(receipt.Isac!.Beamformed);
        Assert.True(double.IsFinite(receipt.Isac.Crlb));
        Assert.Equal(2, receipt.Isac.Targets.Count);
        Assert.Equal(1, (await _client.PullTelemetryAsync("r000", CancellationToken.None)).Slot);
    }

    [Fact]
    public async Task OverBudgetBeams_OverHttp_400WithTheReason()
    {
        var topology = _simulator.Topology.Regions[0];
        var telemetry = await _client.PullTelemetryAsync("r000", CancellationToken.None);
        var blocks = InitialBlocks();
        IReadOnlyList<IReadOnlyList<double>> loud = [blocks[0], [.. blocks[1].Select(x => 2 * x)], blocks[2]];

        var error = await Assert.ThrowsAsync<RanRejectedException>(() => _client.PushDecisionsAsync("r000", Decisions.Serve(topology, telemetry) with { Beams = loud }, CancellationToken.None));

        Assert.Equal(RanRejection.InvalidRequest, error.Reason);
        Assert.Contains("Beams of cell 'r000/c01' transmit", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await _client.PullTelemetryAsync("r000", CancellationToken.None)).Slot);
    }
}
