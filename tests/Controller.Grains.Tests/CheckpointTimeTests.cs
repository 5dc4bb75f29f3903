using Controller.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime;

namespace Controller.Grains.Tests;

/// <summary>The region's checkpoint on the silo's <see cref="TimeProvider"/>, driven by fake time.</summary>
public sealed class CheckpointTimeTests : IDisposable
{
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("checkpoint-time-");

    public void Dispose() => _state.Delete(recursive: true);

    [Fact]
    public async Task A_region_writes_its_state_once_a_checkpoint_interval_has_passed_and_not_before()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var simulator = new Controller.Ran.Simulation.RanSimulator(ControlHarness.SmallNetwork(regions: 1));
        var options = new ControlPlaneOptions { CheckpointInterval = TimeSpan.FromSeconds(10) };
        await using var silo = await TestSilo.StartAsync(
            new Hosting.ControlPlaneSetup(simulator, simulator.Topology, options),
            _state.FullName,
            services => services.AddSingleton<TimeProvider>(time));
        var region = silo.GetGrain<IRegionGrain>("r000");

        for (var loop = 0; loop < 5; loop++)
        {
            Assert.Equal(LoopOutcome.Completed, await region.RunLoopAsync(CancellationToken.None));
        }

        var before = await StoredIterationsAsync();
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(LoopOutcome.Completed, await region.RunLoopAsync(CancellationToken.None));
        var after = await StoredIterationsAsync();

        // No fake time passed during the first five loops: nothing was written; the sixth loop, 10 s later, writes.
        Assert.Null(before);
        Assert.Equal(6, after);
    }

    private async Task<long?> StoredIterationsAsync()
    {
        var storage = new FileGrainStorage("control", new FileGrainStorageOptions { RootDirectory = _state.FullName });
        var state = new GrainState<RegionState>();
        await storage.ReadStateAsync("region", GrainId.Create("region", "r000"), state, CancellationToken.None);
        return state.RecordExists ? state.State!.Iterations : null;
    }
}
