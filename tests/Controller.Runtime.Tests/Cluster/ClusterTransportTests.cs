using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Controller.Runtime.Cluster;
using Controller.Runtime.Diagnostics;
using Controller.Runtime.Grains;
using Controller.Runtime.Placement;
using Controller.Runtime.Storage;
using Controller.Runtime.Tests.Grains;

namespace Controller.Runtime.Tests.Cluster;

/// <summary>
/// Two silos in one test process, joined by the real transport: Kestrel serving HTTP/2 on loopback and
/// HttpClient calling it. Silo 0 places counter and trace grains on silo 1 and keeps everything else.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes the transport through IAsyncLifetime.DisposeAsync.")]
public sealed class ClusterTransportTests : IAsyncLifetime
{
    private static readonly SiloId Caller = new(0);
    private static readonly SiloId Host = new(1);
    private readonly MemoryGrainStorage _hostStorage = new();
    private GrainRuntime _host = null!;
    private SiloServer _server = null!;
    private HttpClusterTransport _transport = null!;
    private GrainRuntime _caller = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _port = FreePort();
        await StartHostAsync();
        _transport = new HttpClusterTransport(new Dictionary<SiloId, Uri> { [Host] = _server.Address }, TimeSpan.FromSeconds(5));
        var roles = new Dictionary<string, IReadOnlyList<SiloId>> { ["counter"] = [Host], ["trace"] = [Host] };
        _caller = Register(new GrainRuntimeBuilder())
            .UseCluster(new RoleGrainLocator(Caller, roles), Caller, _transport)
            .Build();
    }

    public async Task DisposeAsync()
    {
        await _caller.DisposeAsync();
        _transport.Dispose();
        await StopHostAsync();
    }

    [Fact]
    public async Task Call_GrainPlacedOnAnotherSilo_RunsThereAndKeepsItsState()
    {
        var counter = _caller.GetGrain<ICounterGrain>("a");

        Assert.Equal(5, await counter.AddAsync(5, CancellationToken.None));
        Assert.Equal(8, await counter.AddAsync(3, CancellationToken.None));
        Assert.Equal(7, await counter.EchoAsync(7));

        Assert.True(_host.IsActive(new GrainId("counter", "a")));
        Assert.Equal(0, _caller.ActivationCount);
    }

    [Fact]
    public async Task Call_ManyConcurrentCallers_TurnsStaySerialOnTheHostSilo()
    {
        var counter = _caller.GetGrain<ICounterGrain>("busy");

        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => counter.AddAsync(1, CancellationToken.None)));

        Assert.Equal(64, await counter.GetAsync());
        Assert.Equal(1, await counter.MaxConcurrentTurnsAsync());
    }

    [Fact]
    public async Task Call_GrainThrows_CallerGetsTheSameExceptionTypeAndMessage()
    {
        var counter = _caller.GetGrain<ICounterGrain>("b");

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => counter.FailAsync("the dual diverged"));

        Assert.Equal("the dual diverged", thrown.Message);
        var remote = Assert.IsType<RemoteGrainCallException>(thrown.InnerException);
        Assert.Equal(typeof(InvalidOperationException).FullName, remote.RemoteType);
        Assert.Equal(Host, remote.Silo);
        // The failed call did not break the grain.
        Assert.Equal(2, await counter.AddAsync(2, CancellationToken.None));
    }

    [Fact]
    public async Task Call_BurstBeyondTheConcurrentRequests_SharedBatchesGiveEachCallItsOwnOutcome()
    {
        // 200 calls at once: at most MaxConcurrentRequests single requests, the rest batched; half of them throw.
        var calls = Enumerable.Range(0, 200).Select(async i =>
        {
            var counter = _caller.GetGrain<ICounterGrain>($"burst{i % 10}");
            if (i % 2 == 1)
            {
                var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => counter.FailAsync($"call {i}"));
                return thrown.Message;
            }

            return (await counter.EchoAsync(i)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }).ToArray();

        var outcomes = await Task.WhenAll(calls);

        for (var i = 0; i < outcomes.Length; i++)
        {
            Assert.Equal(i % 2 == 1 ? $"call {i}" : i.ToString(System.Globalization.CultureInfo.InvariantCulture), outcomes[i]);
        }
    }

    [Fact]
    public async Task Call_SustainedBurstsFromManyThreads_EveryCallIsAnsweredOnce()
    {
        // Several senders drain one queue at once; a call taken twice or dropped would show as a wrong total or a timeout.
        var counters = Enumerable.Range(0, 16).Select(i => _caller.GetGrain<ICounterGrain>($"sustained{i}")).ToArray();
        for (var round = 0; round < 10; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(() => counters[i % counters.Length].AddAsync(1, CancellationToken.None)))).WaitAsync(TimeSpan.FromSeconds(30));
        }

        foreach (var counter in counters)
        {
            Assert.Equal(250, await counter.GetAsync());
        }
    }

    [Fact]
    public async Task Call_CancelledWhileQueued_ThrowsCancellationAndOthersComplete()
    {
        using var cancel = new CancellationTokenSource();
        var counter = _caller.GetGrain<ICounterGrain>("cancel");
        var others = Enumerable.Range(0, 50).Select(_ => counter.AddAsync(1, CancellationToken.None)).ToArray();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => counter.AddAsync(1000, cancel.Token));
        await Task.WhenAll(others);

        Assert.Equal(50, await counter.GetAsync());
    }

    [Fact]
    public async Task Post_BatchThatIsNotAnArray_Is400Problem()
    {
        using var http = H2Client();
        using var content = new ByteArrayContent("""{"type": "counter"}"""u8.ToArray());

        using var response = await http.PostAsync(SiloServer.BatchPath, content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("a batch is a JSON array of calls", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_SiloDown_FailsAsUnavailableThenResumesWithStateWhenItIsBack()
    {
        var counter = _caller.GetGrain<ICounterGrain>("c");
        Assert.Equal(4, await counter.AddAsync(4, CancellationToken.None));

        await StopHostAsync();
        var down = await Assert.ThrowsAsync<SiloUnavailableException>(() => counter.AddAsync(1, CancellationToken.None));
        Assert.Contains("Silo 1", down.Message, StringComparison.Ordinal);
        // Local grains of the caller are unaffected.
        var local = _caller.GetGrain<IPingGrain>("local");
        await local.SignalAsync("still here");
        Assert.Equal("still here", await local.WaitForSignalAsync());

        await StartHostAsync();
        // The host wrote the counter when it stopped and reads it back on the next activation.
        Assert.Equal(5, await counter.AddAsync(1, CancellationToken.None));
    }

    [Fact]
    public async Task Call_InsideATrace_HostSpanIsAChildOfTheCallersClientSpan()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is RuntimeTelemetry.Name or "test",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (spans) { spans.Add(activity); } },
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource("test");

        string[] where;
        ActivityTraceId loopTrace;
        using (var loop = source.StartActivity("loop"))
        {
            loopTrace = loop!.TraceId;
            where = await _caller.GetGrain<ITraceGrain>("t").WhereAmIAsync();
        }

        Activity client;
        lock (spans)
        {
            client = spans.Single(s => s.Kind == ActivityKind.Client && s.DisplayName == "trace.WhereAmIAsync");
        }

        Assert.Equal(loopTrace.ToString(), where[0]);
        Assert.Equal(client.SpanId.ToString(), where[2]);
        Assert.Equal("trace.WhereAmIAsync", where[3]);
        Assert.Equal(1, client.GetTagItem(RuntimeTelemetry.SiloTag));
    }

    [Fact]
    public async Task Post_MalformedCall_Is400ProblemAndTheSiloKeepsServing()
    {
        using var http = H2Client();

        var (status, problem) = await PostAsync(http, "{\"type\": \"counter\", "u8.ToArray());

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("cannot be decoded", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await _caller.GetGrain<ICounterGrain>("after-bad").AddAsync(1, CancellationToken.None));
    }

    [Fact]
    public async Task Post_UnknownGrainTypeOrMethod_Is404Problem()
    {
        using var http = H2Client();

        var (status, problem) = await PostAsync(http, """{"type": "nosuch", "key": "k", "method": "RunAsync", "arguments": []}"""u8.ToArray());
        var (methodStatus, methodProblem) = await PostAsync(http, """{"type": "counter", "key": "k", "method": "NoSuchAsync", "arguments": []}"""u8.ToArray());

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("Unknown grain type 'nosuch'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, methodStatus);
        Assert.Contains("no method named 'NoSuchAsync'", methodProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_CallAboveTheLimit_Is413Problem()
    {
        using var http = H2Client();
        var huge = Encoding.UTF8.GetBytes($$"""{"type": "counter", "key": "k", "method": "EchoAsync", "arguments": [1], "pad": "{{new string('x', 70_000)}}"}""");

        var (status, _) = await PostAsync(http, huge);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
    }

    [Fact]
    public void Transport_AddressThatIsNotHttp_IsRejectedAtConstruction()
    {
        var thrown = Assert.Throws<ArgumentException>(() => new HttpClusterTransport(new Dictionary<SiloId, Uri> { [Host] = new("https://inference-0:11111") }));

        Assert.Contains("http://", thrown.Message, StringComparison.Ordinal);
    }

    private static GrainRuntimeBuilder Register(GrainRuntimeBuilder builder) => builder
        .AddGrain<ICounterGrain, CounterGrain>()
        .AddGrain<ITraceGrain, TraceGrain>()
        .AddGrain<IPingGrain, PingGrain>();

    private async Task StartHostAsync()
    {
        _host = Register(new GrainRuntimeBuilder()).UseStorage(_hostStorage).Build();
        _server = await SiloServer.StartAsync(_host, new SiloServerOptions { Listen = $"http://127.0.0.1:{_port}", MaxCallBytes = 65536 }, CancellationToken.None);
    }

    private async Task StopHostAsync()
    {
        await _server.DisposeAsync();
        await _host.DisposeAsync();
    }

    private HttpClient H2Client() => new()
    {
        BaseAddress = _server.Address,
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private static async Task<(HttpStatusCode Status, JsonElement Problem)> PostAsync(HttpClient http, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        using var response = await http.PostAsync(SiloServer.CallsPath, content);
        var text = await response.Content.ReadAsStringAsync();
        var problem = text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (response.StatusCode, problem);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
