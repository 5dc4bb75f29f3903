using Controller.Grains.Hosting;
using Controller.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.TestingHost;

namespace Controller.Grains.Tests;

/// <summary>
/// One silo of Orleans' own <see cref="InProcessTestCluster"/> with the control grains of <paramref name="setup"/>:
/// state in the process (the single-process hosts' provider), or in files under a directory (the embedded default's provider), in-memory reminders.
/// </summary>
internal sealed class TestSilo : IAsyncDisposable
{
    // The test cluster names its silos Silo_0, Silo_1, ...: the first gets the control role, any other the inference role.
    private const string PrimaryName = "Silo_0";

    private readonly InProcessTestCluster _cluster;

    private TestSilo(InProcessTestCluster cluster)
    {
        _cluster = cluster;
        Services = cluster.Silos.First(s => s.Name == PrimaryName).ServiceProvider;
        Grains = Services.GetRequiredService<IGrainFactory>();
    }

    /// <summary>The silo's grain factory (calls made from the test thread, as the host's API makes them).</summary>
    public IGrainFactory Grains { get; }

    /// <summary>The silo's services.</summary>
    public IServiceProvider Services { get; }

    public ControlTopology Topology => Services.GetRequiredService<ControlTopology>();

    public ControlPlaneMonitor Monitor => Services.GetRequiredService<ControlPlaneMonitor>();

    public T GetGrain<T>(string key)
        where T : IGrainWithStringKey => Grains.GetGrain<T>(key);

    /// <summary>The silos' addresses, the control silo first.</summary>
    public IReadOnlyList<string> SiloAddresses { get; private set; } = [];

    /// <summary>
    /// Starts the silo; with <paramref name="inferenceSilo"/> a second silo joins, tagged <c>role=inference</c>
    /// (the first is <c>role=control</c>), as <c>controller silo --role inference</c> joins a demo.
    /// </summary>
    public static async Task<TestSilo> StartAsync(ControlPlaneSetup setup, string? stateDirectory = null, Action<IServiceCollection>? services = null, bool inferenceSilo = false)
    {
        var builder = new InProcessTestClusterBuilder(inferenceSilo ? (short)2 : (short)1);
        builder.ConfigureSilo((options, silo) =>
        {
            var role = options.SiloName == PrimaryName ? ControlPlaneHosting.ControlRole : ControlPlaneHosting.InferenceRole;
            silo.UseSiloMetadata(new Dictionary<string, string> { [ControlPlaneHosting.RoleKey] = role });
            if (stateDirectory is null)
            {
                silo.AddProcessGrainStorage(ControlPlaneHosting.StorageName);
            }
            else
            {
                silo.AddFileGrainStorage(ControlPlaneHosting.StorageName, files => files.RootDirectory = stateDirectory);
            }

            silo.UseInMemoryReminderService();
            silo.AddActivityPropagation();
            silo.Services.AddControlPlane(setup);
            services?.Invoke(silo.Services);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new TestSilo(cluster) { SiloAddresses = [.. cluster.Silos.OrderBy(s => s.Name == PrimaryName ? 0 : 1).Select(s => s.SiloAddress.ToString())] };
    }

    /// <summary>Deactivates one grain as Orleans does when its silo loses it (its state is written, its timers stop).</summary>
    public Task DeactivateAsync(IAddressable grain) => _cluster.DeactivateAsync(grain);

    /// <summary>Stops silo <paramref name="index"/> gracefully (its grains deactivate); the others go on.</summary>
    public Task StopSiloAsync(int index) => _cluster.StopSiloAsync(_cluster.Silos.Single(s => s.SiloAddress.ToString() == SiloAddresses[index]));

    /// <summary>Deactivates every grain (their state is written) and stops the silo.</summary>
    public async ValueTask DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
    }
}
