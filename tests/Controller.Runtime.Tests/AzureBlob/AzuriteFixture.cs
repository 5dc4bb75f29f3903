using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Controller.Runtime.Storage;

namespace Controller.Runtime.Tests.AzureBlob;

/// <summary>
/// Starts a real Azurite blob service (infra/tools/node_modules/.bin/azurite-blob, or $AZURITE_BLOB) on a
/// free loopback port with a fresh data directory, once for every test class in <see cref="AzuriteCollectionDefinition"/>.
/// A missing Azurite fails the tests with the command that installs it: these tests are part of the suite,
/// never silently skipped.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>Azurite's published development key (the same one <c>UseDevelopmentStorage=true</c> uses).</summary>
    public const string DevelopmentAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const string InstallHint = "Install it with: npm ci --prefix infra/tools (run from the repository root; infra/test does this), "
        + "or set AZURITE_BLOB to an azurite-blob executable.";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _output = new();
    private Process? _process;
    private string? _dataDirectory;

    /// <summary>The blob endpoint, path-style: http://127.0.0.1:port/devstoreaccount1.</summary>
    public Uri BlobEndpoint { get; private set; } = null!;

    /// <summary>A connection string for the well-known development account at <see cref="BlobEndpoint"/>.</summary>
    public string ConnectionString { get; private set; } = null!;

    /// <summary>Shared by the tests, as a host shares one client per process.</summary>
    public HttpClient HttpClient { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A storage on a container no other test uses.</summary>
    public AzureBlobGrainStorage NewStorage() => new(ConnectionString, NewContainerName(), HttpClient);

    /// <summary>A fresh container name, so tests never see each other's blobs.</summary>
    public static string NewContainerName() => "t" + Guid.NewGuid().ToString("N")[..20];

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        var executable = LocateAzurite();
        var port = FreeLoopbackPort();
        _dataDirectory = Directory.CreateTempSubdirectory("azurite-").FullName;

        // Azurite runs under a small sh watchdog: Dispose kills the whole tree, but if the test host dies
        // first (crash, hang-dump kill) nothing would stop Azurite, so the watchdog also kills it when our end
        // of its stdin pipe closes. sh exits with Azurite's own exit code, so an early failure stays visible.
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-c", "exec 3<&0; \"$0\" \"$@\" </dev/null & azurite=$!; (cat <&3 >/dev/null; kill $azurite 2>/dev/null) & wait $azurite",
            executable,
            "--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--location", _dataDirectory, "--silent", "--skipApiVersionCheck",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        _process.OutputDataReceived += (_, e) => Record(e.Data);
        _process.ErrorDataReceived += (_, e) => Record(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        await WaitUntilListeningAsync(executable, port).ConfigureAwait(false);

        BlobEndpoint = new Uri($"http://127.0.0.1:{port}/{AzureBlobConnectionString.DevelopmentAccountName}");
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={AzureBlobConnectionString.DevelopmentAccountName};"
            + $"AccountKey={DevelopmentAccountKey};BlobEndpoint={BlobEndpoint};";
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        HttpClient.Dispose();
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }

            _process.Dispose();
        }

        if (_dataDirectory is not null && Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private static string LocateAzurite()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("AZURITE_BLOB");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return File.Exists(fromEnvironment)
                ? fromEnvironment
                : throw new InvalidOperationException($"AZURITE_BLOB is set to '{fromEnvironment}', which does not exist. {InstallHint}");
        }

        var root = RepositoryRoot();
        var executable = Path.Combine(root, "infra", "tools", "node_modules", ".bin", "azurite-blob");
        return File.Exists(executable)
            ? executable
            : throw new InvalidOperationException($"Azurite is not installed: {executable} does not exist. {InstallHint}");
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Controller.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Controller.sln above {AppContext.BaseDirectory}: cannot find infra/tools. Set AZURITE_BLOB to an azurite-blob executable.");
    }

    private static int FreeLoopbackPort()
    {
        // The OS picks a free port; Azurite binds it a moment later. Another process could take it in between,
        // which would show up as Azurite exiting with EADDRINUSE in the start failure message.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitUntilListeningAsync(string executable, int port)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"Azurite ({executable}) exited with code {_process.ExitCode} before listening on port {port}. Output:\n{Output()}\n{InstallHint}");
            }

            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return;
            }
            catch (SocketException)
            {
                // Not listening yet: node takes a second or two to load Azurite.
                await Task.Delay(TimeSpan.FromMilliseconds(100)).ConfigureAwait(false);
            }
        }

        _process!.Kill(entireProcessTree: true);
        throw new InvalidOperationException($"Azurite ({executable}) did not accept connections on 127.0.0.1:{port} within {StartTimeout.TotalSeconds:0} s. Output:\n{Output()}\n{InstallHint}");
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.Length == 0 ? "(none)" : _output.ToString();
        }
    }
}

/// <summary>The tests that share one Azurite process.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollectionDefinition : ICollectionFixture<AzuriteFixture>
{
    /// <summary>The collection name used by <see cref="CollectionAttribute"/>.</summary>
    public const string Name = "Azurite";
}
