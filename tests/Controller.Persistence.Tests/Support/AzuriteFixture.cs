using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Azure.Storage.Blobs;

namespace Controller.Persistence.Tests.Support;

/// <summary>
/// A real Azurite blob service (infra/tools/node_modules/.bin/azurite-blob, or $AZURITE_BLOB) on a free
/// 127.0.0.1 port with a fresh data directory and telemetry off, shared by the tests of
/// <see cref="AzuriteCollectionDefinition"/>. A missing Azurite fails those tests with the command that installs
/// it: they are part of the suite, never silently skipped.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>Azurite's well-known development account.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's published development key (the one <c>UseDevelopmentStorage=true</c> uses).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const string InstallHint = "Install it with: npm ci --prefix infra/tools (from the repository root; infra/test does this), "
        + "or set AZURITE_BLOB to an azurite-blob executable.";

    private static readonly TimeSpan _startTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _output = new();
    private Process? _process;
    private string? _dataDirectory;

    /// <summary>A connection string for the development account on this Azurite.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>A container name no other test uses, so tests never see each other's blobs.</summary>
    public static string NewContainerName() => "t" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>A client for a fresh container (not created yet).</summary>
    public BlobContainerClient NewContainer() => new(ConnectionString, NewContainerName());

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        var executable = LocateAzurite();
        var port = FreeLoopbackPort();
        _dataDirectory = Directory.CreateTempSubdirectory("azurite-").FullName;

        // A small sh watchdog: if the test host dies before DisposeAsync (crash, hang-dump kill), our end of
        // its stdin closes and it kills Azurite. sh exits with Azurite's exit code, so early failures show; when Azurite
        // exits first, sh kills that guard, so it never signals a pid the kernel has since given to another process.
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            "-c", "exec 3<&0; \"$0\" \"$@\" </dev/null & azurite=$!; (while read -r _; do :; done <&3; kill $azurite) >/dev/null 2>&1 & guard=$!; "
                + "wait $azurite; status=$?; kill -9 $guard 2>/dev/null; exit $status",
            executable,
            "--blobHost", "127.0.0.1", "--blobPort", port.ToString(CultureInfo.InvariantCulture),
            "--location", _dataDirectory, "--silent", "--skipApiVersionCheck", "--disableTelemetry",
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        _process.OutputDataReceived += (_, e) => Record(e.Data);
        _process.ErrorDataReceived += (_, e) => Record(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        await WaitUntilListeningAsync(executable, port);

        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};"
            + $"BlobEndpoint=http://127.0.0.1:{port}/{AccountName};";
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        string? exitedEarly = null;
        if (_process is not null)
        {
            if (_process.HasExited)
            {
                exitedEarly = $"Azurite exited with code {_process.ExitCode} while its tests were using it. Output:\n{Output()}";
            }
            else
            {
                _process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(timeout.Token);
            }

            _process.Dispose();
        }

        if (_dataDirectory is not null && Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }

        if (exitedEarly is not null)
        {
            throw new InvalidOperationException(exitedEarly);
        }
    }

    /// <summary>Throws with Azurite's exit code and output when it is no longer running: for a test's failure message.</summary>
    public void EnsureRunning()
    {
        if (_process is { HasExited: true })
        {
            throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode}. Output:\n{Output()}");
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

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Controller.sln")))
            {
                var executable = Path.Combine(directory.FullName, "infra", "tools", "node_modules", ".bin", "azurite-blob");
                return File.Exists(executable)
                    ? executable
                    : throw new InvalidOperationException($"Azurite is not installed: {executable} does not exist. {InstallHint}");
            }
        }

        throw new InvalidOperationException($"No Controller.sln above {AppContext.BaseDirectory}, so no infra/tools. {InstallHint}");
    }

    private static int FreeLoopbackPort()
    {
        // The OS picks a free port and Azurite binds it a moment later; losing it in between shows up as
        // Azurite exiting with EADDRINUSE in the start failure message.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitUntilListeningAsync(string executable, int port)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < _startTimeout)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"Azurite ({executable}) exited with code {_process.ExitCode} before listening on 127.0.0.1:{port}. Output:\n{Output()}\n{InstallHint}");
            }

            // Azurite names itself in the Server header. A bare TCP connect could also reach another process that took
            // the port between FreeLoopbackPort and Azurite's bind, or a socket connected to itself.
            try
            {
                using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
                using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/{AccountName}?comp=list"));
                var server = string.Join(' ', response.Headers.Server.Select(s => s.ToString()));
                if (server.Contains("Azurite", StringComparison.Ordinal))
                {
                    return;
                }

                throw new InvalidOperationException($"127.0.0.1:{port} answers, but not as Azurite (Server: '{server}'). Output:\n{Output()}");
            }
            catch (HttpRequestException)
            {
                // Not listening yet: node takes a second or two to load Azurite.
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
            catch (TaskCanceledException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
        }

        _process!.Kill(entireProcessTree: true);
        throw new InvalidOperationException($"Azurite ({executable}) did not accept connections on 127.0.0.1:{port} within {_startTimeout.TotalSeconds:0} s. Output:\n{Output()}\n{InstallHint}");
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

/// <summary>The test classes that share one Azurite process.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollectionDefinition : ICollectionFixture<AzuriteFixture>
{
    /// <summary>The collection name for <see cref="CollectionAttribute"/>.</summary>
    public const string Name = "Azurite";
}
