using System.Net.Http.Headers;
using Controller.Grains;
using Controller.Grains.Hosting;
using Controller.Host.Api;
using Controller.Host.Hosting;
using Controller.Ran.Contract;
using Controller.Ran.Simulation;

namespace Controller.Host.Tests.Support;

/// <summary>
/// A real control silo with its web surfaces on a free loopback port (the host the demo runs), over a two-region
/// simulator; <see cref="Operator"/> sends the API key, <see cref="Anonymous"/> sends none.
/// </summary>
internal sealed class ApiHost : IAsyncDisposable
{
    public const string Key = "test-key-0123456789abcdef";

    private ApiHost(ControllerHost host, CollectingLogger logs)
    {
        Host = host;
        Logs = logs;
        Operator = new HttpClient { BaseAddress = host.Address };
        Operator.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        Anonymous = new HttpClient { BaseAddress = host.Address };
    }

    public ControllerHost Host { get; }

    public CollectingLogger Logs { get; }

    public HttpClient Operator { get; }

    public HttpClient Anonymous { get; }

    public IGrainFactory Grains => Host.Grains;

    /// <summary>
    /// Starts the host. <paramref name="readsNeedKey"/> closes reads as a silo beyond loopback does (the test still
    /// binds 127.0.0.1); <paramref name="ran"/> replaces the simulator as the loops' RAN (its topology stays the simulator's);
    /// <paramref name="network"/> and <paramref name="control"/> replace the two-region network and the default control options.
    /// </summary>
    public static async Task<ApiHost> StartAsync(bool readsNeedKey = false, IRanAdapter? ran = null, Func<CancellationToken, Task>? storageProbe = null, bool withKey = true, RanSimulatorOptions? network = null, ControlPlaneOptions? control = null)
    {
        var simulator = new RanSimulator(network ?? new RanSimulatorOptions { Regions = 2, Settings = [new("users", "8"), new("aps", "2")] });
        var setup = new ControlPlaneSetup(ran ?? simulator, simulator.Topology, control ?? new ControlPlaneOptions());
        var logs = new CollectingLogger();
        var api = new ApiSettings
        {
            Access = withKey ? ApiAccess.WithKeys([Key], "test", readsNeedKey) : ApiAccess.None,
            LogSink = logs,
            // Samples are taken by the tests (OperatorHistory.SampleAsync), not by the clock.
            History = new HistoryOptions { Interval = TimeSpan.FromHours(1), Length = 3 },
        };
        var settings = new SiloSettings { Control = setup, StorageProbe = storageProbe }.WithFreePorts();
        var host = await ControllerHost.StartAsync(settings, "http://127.0.0.1:0", controllerLogs: false, CancellationToken.None, api);
        return new ApiHost(host, logs);
    }

    public async ValueTask DisposeAsync()
    {
        Operator.Dispose();
        Anonymous.Dispose();
        await Host.DisposeAsync();
    }
}
