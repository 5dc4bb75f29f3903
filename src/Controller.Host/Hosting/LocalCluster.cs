using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using Controller.Host.Cli;
using Controller.Ran.Http;

namespace Controller.Host.Hosting;

/// <summary>What a <see cref="LocalCluster"/> starts.</summary>
internal sealed record LocalClusterOptions
{
    /// <summary>Membership providers the cluster can run on.</summary>
    public static readonly IReadOnlyList<string> MembershipKinds = ["redis", "azure-table"];

    /// <summary>Control silos (at least 1).</summary>
    public int ControlSilos { get; init; } = 3;

    /// <summary>Inference silos (0 or more).</summary>
    public int InferenceSilos { get; init; } = 1;

    /// <summary>"redis" or "azure-table".</summary>
    public string Membership { get; init; } = "redis";

    /// <summary>Regions of the simulated RAN.</summary>
    public int Regions { get; init; } = 8;

    /// <summary>Loop period of every region, ms.</summary>
    public int PeriodMs { get; init; } = 100;

    /// <summary>How to run <c>controller</c> for the children.</summary>
    public LocalClusterExecutable Executable { get; init; } = LocalClusterExecutable.Current();

    /// <summary>Where progress lines go (stderr in the verbs); nowhere when null.</summary>
    public TextWriter? Progress { get; init; }
}

/// <summary>The command that runs <c>controller</c>: an apphost, or <c>dotnet controller.dll</c>.</summary>
/// <param name="FileName">The program.</param>
/// <param name="Prefix">Arguments before the verb (the dll when the program is dotnet).</param>
internal sealed record LocalClusterExecutable(string FileName, IReadOnlyList<string> Prefix)
{
    /// <summary>The executable this process runs as.</summary>
    public static LocalClusterExecutable Current()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
        return Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? new LocalClusterExecutable(path, [typeof(LocalCluster).Assembly.Location])
            : new LocalClusterExecutable(path, []);
    }
}

/// <summary>One silo process of a <see cref="LocalCluster"/>; the process changes when it is restarted, the ports do not.</summary>
internal sealed class ClusterSilo
{
    internal ClusterSilo(string role, int index, int siloPort, int gatewayPort, int listenPort, string stateDirectory)
    {
        Role = role;
        Index = index;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        ListenPort = listenPort;
        StateDirectory = stateDirectory;
    }

    /// <summary>"control" or "inference".</summary>
    public string Role { get; }

    /// <summary>1-based within its role.</summary>
    public int Index { get; }

    /// <summary>E.g. "control-2".</summary>
    public string Name => $"{Role}-{Index}";

    /// <summary>Silo-to-silo port on 127.0.0.1.</summary>
    public int SiloPort { get; }

    /// <summary>Gateway port on 127.0.0.1.</summary>
    public int GatewayPort { get; }

    /// <summary>Port of its HTTP surfaces (API, dashboard, probes).</summary>
    public int ListenPort { get; }

    /// <summary>Its --state-dir (API key cache, policy cache).</summary>
    public string StateDirectory { get; }

    /// <summary>Base address of its HTTP surfaces; null when this silo serves none (an inference silo before issue 18's flags).</summary>
    public Uri? Address { get; internal set; }

    /// <summary>The current process; null before the first start.</summary>
    internal ClusterChild? Process { get; set; }

    /// <summary>The current process's pid (0 before it is known).</summary>
    public int Pid { get; internal set; }

    /// <summary>True after <see cref="LocalCluster.Kill"/> until it is restarted.</summary>
    public bool Killed { get; internal set; }

    /// <summary>
    /// True when the RAN's control log names this process: silos identify their pushes as host:pid:silo-port
    /// (<see cref="RanHttpClient"/>'s controller id).
    /// </summary>
    public bool IsController(string? controllerId) =>
        controllerId is not null && Pid > 0
        && controllerId.EndsWith(string.Create(CultureInfo.InvariantCulture, $":{Pid}:{SiloPort}"), StringComparison.Ordinal);
}

/// <summary>
/// A whole cluster on loopback in child processes, for <c>controller cluster</c>, <c>controller bench failover</c> and
/// the cluster process tests: redis-server (redis membership), Azurite (blob state, policy registry and table
/// membership), <c>controller ran-sim</c>, control silos and inference silos (<c>controller silo</c> of this same
/// executable), each on a free port. Connection strings travel in environment variables, never on a command line; the
/// silos share one API key file (mode 0600) in the cluster's temporary directory. Children die with this process
/// (<see cref="ClusterChild"/>), and a janitor process removes the temporary directory even when this process is
/// killed. Dispose stops everything: silos first (SIGTERM, then SIGKILL after a grace period), then the RAN and storage.
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    /// <summary>Environment variable of the Redis configuration string the silos get.</summary>
    public const string RedisVariable = "CONTROLLER_REDIS";

    /// <summary>Environment variable of the Azure Table connection string (membership and reminders).</summary>
    public const string TableVariable = "CONTROLLER_AZURE_TABLE";

    /// <summary>Environment variable of the Azure Blob connection string (grain state and policy registry).</summary>
    public const string BlobVariable = "CONTROLLER_BLOB";

    private static readonly TimeSpan _stopGrace = TimeSpan.FromSeconds(15);

    private readonly LocalClusterOptions _options;
    private readonly DirectoryInfo _root;
    private readonly ClusterChild _janitor;
    private readonly List<ClusterChild> _services = [];
    private readonly List<ClusterSilo> _silos = [];
    private readonly Dictionary<string, string?> _environment;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly TextWriter _progress;
    private readonly string _azurite;
    private readonly string? _redis;
    private readonly HashSet<int> _announced = [];
    private readonly HashSet<int> _ports = [];
    private int _stopped;

    private LocalCluster(LocalClusterOptions options, string azurite, string? redis)
    {
        _options = options;
        _azurite = azurite;
        _redis = redis;
        _progress = options.Progress ?? TextWriter.Null;
        _root = Directory.CreateTempSubdirectory("controller-cluster-");
        // Removes the directory once this process is gone, however it ends; a no-op after a clean stop.
        _janitor = ClusterChild.StartJanitor(_root.FullName);
        ApiKeyFile = Path.Combine(_root.FullName, "api-key");
        ApiKey = WriteKey(ApiKeyFile);
        _environment = new Dictionary<string, string?>
        {
            // The silos' keys come from the cluster's file only, never from what this shell happens to hold.
            [Api.ApiAccess.KeyVariable] = null,
            [Api.ApiAccess.KeyFileVariable] = null,
        };
    }

    /// <summary>The options it was started with.</summary>
    public LocalClusterOptions Options => _options;

    /// <summary>The file holding the API key every control silo accepts (mode 0600).</summary>
    public string ApiKeyFile { get; }

    /// <summary>The key in <see cref="ApiKeyFile"/>, for the API's mutating routes.</summary>
    public string ApiKey { get; }

    /// <summary>The RAN simulator's address.</summary>
    public Uri RanAddress { get; private set; } = null!;

    /// <summary>A client of the RAN (its control log among others).</summary>
    public RanHttpClient Ran { get; private set; } = null!;

    /// <summary>Redis' address (redis membership), else null.</summary>
    public string? RedisAddress { get; private set; }

    /// <summary>Azurite's blob and table endpoints.</summary>
    public (Uri Blob, Uri Table) Azurite { get; private set; }

    /// <summary>Every silo, control silos first.</summary>
    public IReadOnlyList<ClusterSilo> Silos => _silos;

    /// <summary>The control silos.</summary>
    public IEnumerable<ClusterSilo> ControlSilos => _silos.Where(s => s.Role == "control");

    /// <summary>Storage and the RAN: name and pid of each process.</summary>
    public IEnumerable<(string Name, int Pid)> Services => _services.Select(s => (s.Name, s.Pid));

    /// <summary>The temporary directory (storage data, state directories, the key file); removed on stop.</summary>
    public string TemporaryDirectory => _root.FullName;

    /// <summary>
    /// Starts storage, the RAN and every silo (not waiting for the silos' readiness: <see cref="WaitReadyAsync"/>).
    /// Throws <see cref="CliUsageException"/> naming what to install when redis-server or Azurite is missing.
    /// </summary>
    public static async Task<LocalCluster> StartAsync(LocalClusterOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!LocalClusterOptions.MembershipKinds.Contains(options.Membership))
        {
            throw new CliUsageException($"--membership must be redis or azure-table (got '{options.Membership}').");
        }

        if (options.ControlSilos < 1 || options.InferenceSilos < 0)
        {
            throw new CliUsageException("A cluster needs at least one control silo and no negative count of inference silos.");
        }

        var redis = options.Membership == "redis" ? LocateRedis() : null;
        var cluster = new LocalCluster(options, LocateAzurite(), redis);
        try
        {
            await cluster.StartAllAsync(cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Waits until every running silo is ready: <c>/readyz</c> answers 200 (a silo with HTTP surfaces) or its start
    /// line is out. Throws with the silo's last lines when one exits or <paramref name="timeout"/> passes.
    /// </summary>
    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var waiting = _silos.Where(s => s.Process is not null && !s.Killed).ToList();
        var lastAnswer = new Dictionary<ClusterSilo, string>();
        while (waiting.Count > 0)
        {
            foreach (var silo in waiting.ToList())
            {
                ThrowIfExited(silo.Process!);
                var (ready, answer) = await IsReadyAsync(silo, cancellationToken).ConfigureAwait(false);
                lastAnswer[silo] = answer;
                if (ready)
                {
                    waiting.Remove(silo);
                    if (!_announced.Add(silo.Pid))
                    {
                        continue;
                    }

                    _progress.WriteLine($"cluster: {silo.Name} ready (pid {silo.Pid}, silo port {silo.SiloPort}{(silo.Address is { } a ? $", {a}" : "")})");
                }
            }

            if (waiting.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                var silo = waiting[0];
                throw new TimeoutException($"{silo.Name} was not ready within {timeout.TotalSeconds:F0} s (last answer: {lastAnswer.GetValueOrDefault(silo, "none")}); its last lines:\n{silo.Process!.Tail()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>SIGKILLs <paramref name="silo"/>'s process and waits for it to be gone; returns the time just before the signal.</summary>
    public async Task<DateTimeOffset> KillAsync(ClusterSilo silo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Killed = true;
        var at = DateTimeOffset.UtcNow;
        silo.Process!.Kill();
        await silo.Process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        _progress.WriteLine($"cluster: {silo.Name} (pid {silo.Pid}) killed with SIGKILL");
        return at;
    }

    /// <summary>Starts <paramref name="silo"/> again on the same ports and state directory (a new pid) and waits until it is ready.</summary>
    public async Task RestartAsync(ClusterSilo silo, TimeSpan readyTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (silo.Process is { HasExited: false } running)
        {
            await running.StopAsync(_stopGrace).ConfigureAwait(false);
        }

        silo.Process?.Dispose();
        await StartSiloAsync(silo, cancellationToken).ConfigureAwait(false);
        silo.Killed = false;
        var deadline = DateTime.UtcNow + readyTimeout;
        while (true)
        {
            ThrowIfExited(silo.Process!);
            var (ready, answer) = await IsReadyAsync(silo, cancellationToken).ConfigureAwait(false);
            if (ready)
            {
                _progress.WriteLine($"cluster: {silo.Name} restarted (pid {silo.Pid})");
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{silo.Name} was not ready within {readyTimeout.TotalSeconds:F0} s of its restart (last answer: {answer}); its last lines:\n{silo.Process!.Tail()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>An HTTP client of <paramref name="silo"/>'s API that sends the cluster's key; the caller disposes it.</summary>
    public HttpClient CreateApiClient(ClusterSilo silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var client = new HttpClient
        {
            BaseAddress = silo.Address ?? throw new InvalidOperationException($"{silo.Name} serves no API."),
            Timeout = TimeSpan.FromSeconds(10),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        return client;
    }

    /// <summary>The silo (running or killed) whose process pushed under <paramref name="controllerId"/>, or null.</summary>
    public ClusterSilo? SiloOf(string? controllerId) => _silos.FirstOrDefault(s => s.IsController(controllerId));

    /// <summary>Children that exited without being asked to (a crashed silo, a storage emulator that died): name and last lines.</summary>
    public IEnumerable<(string Name, int? ExitCode, string Tail)> UnexpectedExits()
    {
        foreach (var silo in _silos.Where(s => !s.Killed && s.Process is { HasExited: true }))
        {
            yield return (silo.Name, silo.Process!.ExitCode, silo.Process.Tail());
        }

        foreach (var service in _services.Where(s => s.HasExited))
        {
            yield return (service.Name, service.ExitCode, service.Tail());
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        // Silos first, so that they deactivate while storage and the RAN still answer.
        await Task.WhenAll(_silos.Where(s => s.Process is not null).Select(s => s.Process!.StopAsync(_stopGrace))).ConfigureAwait(false);
        await Task.WhenAll(Enumerable.Reverse(_services).Select(s => s.StopAsync(TimeSpan.FromSeconds(5)))).ConfigureAwait(false);
        foreach (var child in _silos.Select(s => s.Process).OfType<ClusterChild>().Concat(_services))
        {
            child.Dispose();
        }

        _http.Dispose();
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // The janitor removes what is left once this process ends.
        }

        await _janitor.CloseInputAndWaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _janitor.Dispose();
        _progress.WriteLine("cluster: stopped");
    }

    private async Task StartAllAsync(CancellationToken cancellationToken)
    {
        var ranPort = FreePort();
        RanAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{ranPort}/"));
        var storage = Path.Combine(_root.FullName, "azurite");
        Directory.CreateDirectory(storage);
        var (blobPort, queuePort, tablePort) = (FreePort(), FreePort(), FreePort());
        Azurite = (new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{blobPort}/")), new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{tablePort}/")));
        _services.Add(ClusterChild.Start("azurite", _azurite,
        [
            "--blobHost", "127.0.0.1", "--blobPort", Text(blobPort), "--queueHost", "127.0.0.1", "--queuePort", Text(queuePort),
            "--tableHost", "127.0.0.1", "--tablePort", Text(tablePort), "--location", storage, "--silent", "--skipApiVersionCheck", "--disableTelemetry",
        ], _environment));
        var waits = new List<Task>
        {
            WaitListeningAsync(_services[^1], blobPort, cancellationToken),
            WaitListeningAsync(_services[^1], tablePort, cancellationToken),
        };
        // Azurite's development account; its key is published (it is what UseDevelopmentStorage=true means).
        var account = "devstoreaccount1";
        var connection = string.Create(CultureInfo.InvariantCulture,
            $"DefaultEndpointsProtocol=http;AccountName={account};AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:{blobPort}/{account};QueueEndpoint=http://127.0.0.1:{queuePort}/{account};TableEndpoint=http://127.0.0.1:{tablePort}/{account};");
        _environment[BlobVariable] = connection;
        _environment[TableVariable] = connection;

        if (_redis is not null)
        {
            var redisPort = FreePort();
            var data = Path.Combine(_root.FullName, "redis");
            Directory.CreateDirectory(data);
            RedisAddress = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{redisPort}");
            _environment[RedisVariable] = RedisAddress;
            // No persistence: membership is rebuilt by the silos; a fresh Redis per cluster.
            _services.Add(ClusterChild.Start("redis", _redis,
                ["--bind", "127.0.0.1", "--port", Text(redisPort), "--dir", data, "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning"], _environment));
            waits.Add(WaitListeningAsync(_services[^1], redisPort, cancellationToken));
        }

        var executable = _options.Executable;
        _services.Add(ClusterChild.Start("ran-sim", executable.FileName,
            [.. executable.Prefix, "ran-sim", "--listen", $"http://127.0.0.1:{Text(ranPort)}", "--regions", Text(_options.Regions)], _environment));
        waits.Add(WaitListeningAsync(_services[^1], ranPort, cancellationToken));
        await Task.WhenAll(waits).ConfigureAwait(false);
        foreach (var service in _services)
        {
            await service.PidAsync(cancellationToken).ConfigureAwait(false);
        }

        var ranHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        Ran = new RanHttpClient(ranHttp, RanAddress);
        _progress.WriteLine($"cluster: storage and RAN up (Azurite blob {Azurite.Blob}, table {Azurite.Table}{(RedisAddress is null ? "" : $", Redis {RedisAddress}")}, RAN {RanAddress})");

        for (var i = 1; i <= _options.ControlSilos; i++)
        {
            _silos.Add(NewSilo("control", i));
        }

        for (var i = 1; i <= _options.InferenceSilos; i++)
        {
            _silos.Add(NewSilo("inference", i));
        }

        if (!ClusterSiloFlags.Membership)
        {
            // Localhost clustering: the others join the first control silo, which must listen first.
            await StartSiloAsync(_silos[0], cancellationToken).ConfigureAwait(false);
            await WaitReadyAsync(TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
        }

        foreach (var silo in _silos.Where(s => s.Process is null))
        {
            await StartSiloAsync(silo, cancellationToken).ConfigureAwait(false);
        }
    }

    private ClusterSilo NewSilo(string role, int index)
    {
        var state = Path.Combine(_root.FullName, "silos", $"{role}-{index}");
        Directory.CreateDirectory(state);
        return new ClusterSilo(role, index, FreePort(), FreePort(), FreePort(), state);
    }

    private async Task StartSiloAsync(ClusterSilo silo, CancellationToken cancellationToken)
    {
        var arguments = ClusterSiloFlags.For(silo, _silos[0], this);
        silo.Address = arguments.Contains("--listen") ? new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{silo.ListenPort}/")) : null;
        silo.Process = ClusterChild.Start(silo.Name, _options.Executable.FileName, [.. _options.Executable.Prefix, .. arguments], _environment);
        silo.Pid = await silo.Process.PidAsync(cancellationToken).ConfigureAwait(false);
        _progress.WriteLine($"cluster: {silo.Name} starting (pid {silo.Pid})");
    }

    private async Task<(bool Ready, string Answer)> IsReadyAsync(ClusterSilo silo, CancellationToken cancellationToken)
    {
        if (silo.Address is null)
        {
            var line = silo.Process!.FindLine(l => l.StartsWith($"silo: {silo.Role} role", StringComparison.Ordinal));
            return (line is not null, line ?? "no start line yet");
        }

        try
        {
            using var answer = await _http.GetAsync(new Uri(silo.Address, "readyz"), cancellationToken).ConfigureAwait(false);
            return (answer.StatusCode == HttpStatusCode.OK, $"{(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (false, exception.GetType().Name);
        }
    }

    private static void ThrowIfExited(ClusterChild child)
    {
        if (child.HasExited)
        {
            throw new InvalidOperationException($"{child.Name} exited with code {child.ExitCode}; its last lines:\n{child.Tail()}");
        }
    }

    private static async Task WaitListeningAsync(ClusterChild child, int port, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            ThrowIfExited(child);
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                throw new TimeoutException($"{child.Name} did not listen on 127.0.0.1:{port} within 60 s; its last lines:\n{child.Tail()}");
            }
        }
    }

    /// <summary>
    /// A free loopback port below the kernel's ephemeral range when there is room: a port from inside it, free when
    /// chosen, can be taken by any outgoing connection of this machine before the child binds it (it happened to a
    /// silo's API port here); below it only listeners compete. Never the same port twice in one cluster.
    /// </summary>
    private int FreePort()
    {
        var (ephemeralLow, _) = EphemeralRange();
        for (var attempt = 0; ephemeralLow > 12_000 && attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(10_000, ephemeralLow);
            if (_ports.Contains(port))
            {
                continue;
            }

            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                _ports.Add(port);
                return port;
            }
            catch (SocketException)
            {
                // In use: another one.
            }
        }

        var any = SiloSettings.FreePort();
        _ports.Add(any);
        return any;
    }

    private static (int Low, int High) EphemeralRange()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (0, 0);
        }
    }

    private static string WriteKey(string path)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // 0600 from the first byte on: readable by the user who runs the cluster only.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.WriteLine("# the API key of a 'controller cluster' (removed when the cluster stops)");
        writer.WriteLine(key);
        return key;
    }

    /// <summary>$REDIS_SERVER, else redis-server on PATH; a one-line usage error naming the package otherwise.</summary>
    private static string LocateRedis() =>
        FromEnvironment("REDIS_SERVER") ?? OnPath("redis-server")
        ?? throw new CliUsageException("redis-server is not installed: apt-get install redis-server (infra/cluster installs it as root), set REDIS_SERVER to its path, or use --membership azure-table.");

    /// <summary>$AZURITE, else infra/tools' Azurite above this executable, else azurite on PATH.</summary>
    private static string LocateAzurite()
    {
        if (FromEnvironment("AZURITE") is { } fromEnvironment)
        {
            return fromEnvironment;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "infra", "tools", "node_modules", ".bin", "azurite");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return OnPath("azurite")
            ?? throw new CliUsageException("Azurite is not installed: npm ci --prefix infra/tools (infra/cluster does it), or npm install -g azurite, or set AZURITE to its path.");
    }

    private static string? FromEnvironment(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } path
            ? File.Exists(path) ? path : throw new CliUsageException($"{variable} is set to '{path}', which does not exist.")
            : null;

    private static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The <c>controller silo</c> command line of one silo of the cluster: the one place that knows the silo's flags.
    /// </summary>
    internal static class ClusterSiloFlags
    {
        /// <summary>
        /// True once <c>controller silo</c> takes <c>--membership redis|azure-table</c> (issue 18): every silo then
        /// joins through Redis or Azure Table and listens for probes. False: localhost clustering, the first control
        /// silo being the primary the others <c>--join</c>, blob state shared through Azurite.
        /// </summary>
        public static bool Membership => true;

        public static List<string> For(ClusterSilo silo, ClusterSilo primary, LocalCluster cluster)
        {
            var options = cluster._options;
            var arguments = new List<string>
            {
                "silo", "--role", silo.Role, "--silo-port", Text(silo.SiloPort), "--gateway-port", Text(silo.GatewayPort),
                "--state-dir", silo.StateDirectory, "--blob-from-env", BlobVariable,
            };
            if (Membership)
            {
                arguments.AddRange(options.Membership == "redis"
                    ? ["--membership", "redis", "--redis-from-env", RedisVariable]
                    : ["--membership", "azure-table", "--table-from-env", TableVariable]);
            }
            else if (silo != primary)
            {
                arguments.AddRange(["--join", $"127.0.0.1:{Text(primary.SiloPort)}"]);
            }

            if (silo.Role == "control")
            {
                arguments.AddRange(["--ran", cluster.RanAddress.ToString(), "--period", Text(options.PeriodMs), "--api-key-file", cluster.ApiKeyFile]);
            }

            if (silo.Role == "control" || Membership)
            {
                arguments.AddRange(["--listen", $"http://127.0.0.1:{Text(silo.ListenPort)}"]);
            }

            return arguments;
        }
    }
}
