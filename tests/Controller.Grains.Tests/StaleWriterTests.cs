using Controller.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Controller.Grains.Tests;

/// <summary>
/// A region whose stored state was written by another activation (possible only while a cluster's membership
/// disagrees) stops and deactivates at its next write instead of overwriting the newer state.
/// </summary>
public sealed class StaleWriterTests : IAsyncLifetime
{
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("stale-");
    private ControlHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await ControlHarness.StartAsync(stateDirectory: _state.FullName);

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        _state.Delete(recursive: true);
    }

    [Fact]
    public async Task A_region_whose_state_another_writer_changed_refuses_to_write_stops_and_the_newer_state_wins()
    {
        var region = _harness.Region(0);
        await region.StartAsync(policy: null, periodMs: 50, CancellationToken.None);
        await _harness.RunLoopsAsync(3);

        // Another writer (a second activation elsewhere) stores the region with a different policy.
        var storage = _harness.Services.GetRequiredKeyedService<IGrainStorage>(ControlPlaneHosting.StorageName);
        var id = GrainId.Create("region", "r000");
        var other = new GrainState<RegionState>();
        await storage.ReadStateAsync("region", id, other);
        Assert.True(other.RecordExists);
        other.State!.Policy = "wmmse";
        other.State.Running = true;
        await storage.WriteStateAsync("region", id, other);

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => region.SetPolicyAsync("full-reuse", CancellationToken.None));
        Assert.Contains("another activation of it wrote its state", refused.Message, StringComparison.Ordinal);

        // The stale activation went; the next call activates the region from the newer state, which it resumes.
        var status = await WaitForAsync(region, s => s.Policy == "wmmse");
        Assert.True(status.Running);
        var stored = new GrainState<RegionState>();
        await storage.ReadStateAsync("region", id, stored);
        Assert.Equal("wmmse", stored.State!.Policy);
    }

    private static async Task<RegionStatus> WaitForAsync(IRegionGrain region, Func<RegionStatus, bool> condition)
    {
        for (var attempt = 0; ; attempt++)
        {
            var status = await region.GetStatusAsync(CancellationToken.None);
            if (condition(status) || attempt >= 300)
            {
                return status;
            }

            await Task.Delay(100);
        }
    }
}
