using System.Net;
using System.Net.Sockets;
using Controller.Grains.Inference;
using Controller.Policies;
using Controller.Runtime.Cluster;
using Controller.Runtime.Grains;
using Controller.Runtime.Placement;

namespace Controller.Grains.Tests;

/// <summary>
/// An inference silo of its own (a runtime with only the inference grains, as <c>controller silo --role inference</c>
/// builds it) behind a real Kestrel <see cref="SiloServer"/> on loopback, and the transport a control silo reaches it with.
/// </summary>
internal sealed class InferenceSiloHarness : IAsyncDisposable
{
    /// <summary>The inference silo's id in the control silo's cluster.</summary>
    public static readonly SiloId Silo = new(1);

    private InferenceSiloHarness(GrainRuntime runtime, SiloServer server, int port)
    {
        Runtime = runtime;
        Server = server;
        Port = port;
        Transport = new HttpClusterTransport(new Dictionary<SiloId, Uri> { [Silo] = server.Address }, TimeSpan.FromSeconds(5));
    }

    public GrainRuntime Runtime { get; }

    public SiloServer Server { get; }

    public int Port { get; }

    public HttpClusterTransport Transport { get; }

    /// <summary>Starts the silo on <paramref name="port"/> (a free one when null) with the artifacts under <paramref name="artifactsRoot"/>.</summary>
    public static async Task<InferenceSiloHarness> StartAsync(string artifactsRoot, int? port = null)
    {
        var chosen = port ?? FreePort();
        var runtime = InferenceSilo.Register(new GrainRuntimeBuilder(), new LearnedPolicies(artifactsRoot), "managed").Build();
        var server = await SiloServer.StartAsync(runtime, new SiloServerOptions { Listen = $"http://127.0.0.1:{chosen}" }, CancellationToken.None);
        return new InferenceSiloHarness(runtime, server, chosen);
    }

    /// <summary>Stops the silo (server and runtime); the transport stays usable, as a control silo's would.</summary>
    public async Task StopAsync()
    {
        await Server.DisposeAsync();
        await Runtime.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Transport.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
