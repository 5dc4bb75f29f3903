using Controller.Grains.Hosting;
using Controller.Persistence;
using Controller.Ran.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.TestingHost;

namespace Controller.Grains.Tests;

/// <summary>
/// Three control silos of Orleans' in-process test cluster sharing file state, each with the region supervisor (as
/// <c>controller silo</c> runs in a cluster): regions start by themselves, spread over the silos, and come back on
/// the survivors when a silo is killed, with the operator's settings.
/// </summary>
public sealed class ClusterFailoverTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("cluster-");
    private InProcessTestCluster _cluster = null!;
    private RanSimulator _ran = null!;

    private IGrainFactory Grains => _cluster.Client;

    public async Task InitializeAsync()
    {
        _ran = new RanSimulator(ControlHarness.SmallNetwork(regions: 6));
        var setup = new ControlPlaneSetup(_ran, _ran.Topology, new ControlPlaneOptions { PeriodMs = 50, RegionSweepPeriod = TimeSpan.FromSeconds(1) });
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((options, silo) =>
        {
            silo.UseSiloMetadata(new Dictionary<string, string> { [ControlPlaneHosting.RoleKey] = ControlPlaneHosting.ControlRole });
            silo.AddFileGrainStorage(ControlPlaneHosting.StorageName, files => files.RootDirectory = _state.FullName);
            silo.UseInMemoryReminderService();
            silo.Services.AddControlPlane(setup);
            // Fast failure detection, as controller silo configures it (ClusterHosting).
            silo.Configure<ClusterMembershipOptions>(membership =>
            {
                membership.ProbeTimeout = TimeSpan.FromSeconds(1);
                membership.NumMissedProbesLimit = 2;
                membership.NumVotesForDeathDeclaration = 1;
            });
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        _state.Delete(recursive: true);
    }

    [Fact]
    public async Task Regions_start_by_themselves_spread_over_the_silos_and_resume_on_the_survivors_after_a_kill()
    {
        var regions = _ran.Topology.Regions.Select(r => r.RegionId).ToList();
        await EveryRegionLoopsAsync(regions);
        var before = await PlacementAsync(regions);
        // Rendezvous placement: no silo has them all (6 regions over 3 silos), and each region sits where its hash says.
        Assert.True(before.Values.Distinct().Count() > 1, $"all regions on one silo: {string.Join(", ", before)}");

        // Operator settings on a region of the silo that will die.
        var primary = _cluster.Silos[0].SiloAddress;
        var victim = before.Values.Where(s => !s.Equals(primary)).GroupBy(s => s).OrderByDescending(g => g.Count()).First().Key;
        var moved = before.Where(p => p.Value.Equals(victim)).Select(p => p.Key).ToList();
        var region = Grains.GetGrain<IRegionGrain>(moved[0]);
        await region.SetPolicyAsync("wmmse", CancellationToken.None);
        await region.SetDemandAsync(1, 2.5, CancellationToken.None);

        await _cluster.KillSiloAsync(_cluster.Silos.Single(s => s.SiloAddress.Equals(victim)));

        await EveryRegionLoopsAsync(regions);
        var after = await PlacementAsync(regions);
        Assert.DoesNotContain(victim, after.Values);
        // Only the dead silo's regions moved.
        Assert.All(before.Where(p => !p.Value.Equals(victim)), p => Assert.Equal(p.Value, after[p.Key]));
        var status = await region.GetStatusAsync(CancellationToken.None);
        Assert.Equal("wmmse", status.Policy);
        Assert.True(status.Running);
        var user = await Grains.GetGrain<IUserGrain>(RanIds.User(moved[0], 1)).GetStateAsync(CancellationToken.None);
        Assert.Equal(2.5, user.Demand);
    }

    [Fact]
    public async Task A_region_an_operator_stopped_stays_stopped_through_the_sweeps()
    {
        var regions = _ran.Topology.Regions.Select(r => r.RegionId).ToList();
        await EveryRegionLoopsAsync(regions);
        var region = Grains.GetGrain<IRegionGrain>(regions[2]);
        await region.StopAsync(CancellationToken.None);
        var stopped = (await region.GetStatusAsync(CancellationToken.None)).Iterations;

        // Several sweeps later (1 s period) it has not been restarted.
        var sweeps = _cluster.Silos.Sum(s => s.ServiceProvider.GetRequiredService<RegionSupervisor>().Sweeps);
        await WaitAsync(() => Task.FromResult(_cluster.Silos.Sum(s => s.ServiceProvider.GetRequiredService<RegionSupervisor>().Sweeps) >= sweeps + 6), "six more sweeps");
        var status = await region.GetStatusAsync(CancellationToken.None);
        Assert.False(status.Running);
        Assert.Equal(stopped, status.Iterations);
    }

    /// <summary>Waits until every region's loop count grows between two looks.</summary>
    private async Task EveryRegionLoopsAsync(IReadOnlyList<string> regions)
    {
        foreach (var id in regions)
        {
            var grain = Grains.GetGrain<IRegionGrain>(id);
            long? first = null;
            await WaitAsync(
                async () =>
                {
                    var status = await grain.GetStatusAsync(CancellationToken.None);
                    if (!status.Running)
                    {
                        return false;
                    }

                    first ??= status.Iterations;
                    return status.Iterations > first + 2;
                },
                $"region {id} looping");
        }
    }

    private async Task<Dictionary<string, SiloAddress>> PlacementAsync(IReadOnlyList<string> regions)
    {
        var management = Grains.GetGrain<IManagementGrain>(0);
        var placement = new Dictionary<string, SiloAddress>(StringComparer.Ordinal);
        foreach (var id in regions)
        {
            placement[id] = (await management.GetActivationAddress(Grains.GetGrain<IRegionGrain>(id)))!;
        }

        return placement;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException)
            {
                // A call into the dead silo before it was declared dead: ask again.
            }

            Assert.True(DateTime.UtcNow < deadline, $"gave up waiting for {what}");
            await Task.Delay(100);
        }
    }
}
