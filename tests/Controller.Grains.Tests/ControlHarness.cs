using Controller.Ran.Contract;
using Controller.Ran.Simulation;
using Controller.Runtime.Grains;
using Controller.Runtime.Storage;

namespace Controller.Grains.Tests;

/// <summary>A RAN simulator, one silo with the control grains and its control plane; loops are driven by hand.</summary>
internal sealed class ControlHarness : IAsyncDisposable
{
    private ControlHarness(RanSimulator simulator, IRanAdapter ran, ControlPlane plane, GrainRuntime runtime)
    {
        Simulator = simulator;
        Ran = ran;
        Plane = plane;
        Runtime = runtime;
    }

    public RanSimulator Simulator { get; }

    public IRanAdapter Ran { get; }

    public ControlPlane Plane { get; }

    public GrainRuntime Runtime { get; }

    public static RanSimulatorOptions SmallNetwork(int regions = 2, ulong seed = 7) => new()
    {
        Scenario = "resilient-rrm",
        Regions = regions,
        Seed = seed,
        Settings = [new("users", "12"), new("aps", "3")],
    };

    public static Task<ControlHarness> StartAsync(
        RanSimulatorOptions? simulator = null,
        ControlPlaneOptions? options = null,
        IGrainStorage? storage = null,
        Func<RanSimulator, IRanAdapter>? wrap = null)
    {
        var sim = new RanSimulator(simulator ?? SmallNetwork());
        var ran = wrap?.Invoke(sim) ?? sim;
        var plane = new ControlPlane(ran, sim.Topology, options ?? new ControlPlaneOptions());
        var builder = new GrainRuntimeBuilder();
        if (storage is not null)
        {
            builder.UseStorage(storage);
        }

        var runtime = plane.Register(builder).Build();
        return Task.FromResult(new ControlHarness(sim, ran, plane, runtime));
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

    public async ValueTask DisposeAsync()
    {
        await Runtime.DisposeAsync();
        Plane.Dispose();
    }
}
