using Controller.Grains.Hosting;
using Controller.Ran.Contract;
using Controller.Ran.Simulation;

namespace Controller.Grains.Tests;

/// <summary>A RAN simulator and one test-cluster silo with the control grains; loops are driven by hand.</summary>
internal sealed class ControlHarness : IAsyncDisposable
{
    private readonly TestSilo _silo;

    private ControlHarness(RanSimulator simulator, IRanAdapter ran, ControlPlaneOptions options, TestSilo silo)
    {
        Simulator = simulator;
        Ran = ran;
        Options = options;
        _silo = silo;
    }

    public RanSimulator Simulator { get; }

    public IRanAdapter Ran { get; }

    public ControlPlaneOptions Options { get; }

    public IGrainFactory Runtime => _silo.Grains;

    public ControlTopology Topology => _silo.Topology;

    public ControlPlaneMonitor Monitor => _silo.Monitor;

    public IServiceProvider Services => _silo.Services;

    public static RanSimulatorOptions SmallNetwork(int regions = 2, ulong seed = 7) => new()
    {
        Scenario = "resilient-rrm",
        Regions = regions,
        Seed = seed,
        Settings = [new("users", "12"), new("aps", "3")],
    };

    public static async Task<ControlHarness> StartAsync(
        RanSimulatorOptions? simulator = null,
        ControlPlaneOptions? options = null,
        string? stateDirectory = null,
        Func<RanSimulator, IRanAdapter>? wrap = null)
    {
        var sim = new RanSimulator(simulator ?? SmallNetwork());
        var ran = wrap?.Invoke(sim) ?? sim;
        var chosen = options ?? new ControlPlaneOptions();
        var silo = await TestSilo.StartAsync(new ControlPlaneSetup(ran, sim.Topology, chosen), stateDirectory);
        return new ControlHarness(sim, ran, chosen, silo);
    }

    public IRegionGrain Region(int index = 0) => Runtime.GetGrain<IRegionGrain>(RanIds.Region(index));

    public IUserGrain User(int region, int user) => Runtime.GetGrain<IUserGrain>(RanIds.User(RanIds.Region(region), user));

    public async Task RunLoopsAsync(int loops, int region = 0)
    {
        for (var i = 0; i < loops; i++)
        {
            Assert.Equal(LoopOutcome.Completed, await Region(region).RunLoopAsync(CancellationToken.None));
        }
    }

    public ValueTask DisposeAsync() => _silo.DisposeAsync();
}
