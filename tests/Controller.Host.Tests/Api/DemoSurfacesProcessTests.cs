using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Controller.Host.Api;

namespace Controller.Host.Tests.Api;

/// <summary>
/// The real executable's operator surfaces: a real Prometheus (Debian's <c>prometheus</c>, as infra/prerequisites.sh
/// installs it) scrapes a running <c>controller demo</c> on loopback and answers the loop-latency series from its own
/// query API; the demo takes its key from the environment and never prints it; listening beyond loopback without a key
/// is refused before anything starts.
/// </summary>
[Trait("Category", "Process")]
public sealed partial class DemoSurfacesProcessTests : IDisposable
{
    private const string Key = "process-key-0123456789abcdef";
    private readonly string _directory = Directory.CreateTempSubdirectory("demo-surfaces-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Prometheus_scrapes_the_demo_and_answers_the_loop_latency_series()
    {
        var prometheus = FindPrometheus();
        using var demo = ControllerProcess.Start(
            new Dictionary<string, string?> { [ApiAccess.KeyVariable] = Key },
            "demo", "--state-dir", Path.Combine(_directory, "state"), "--listen", "http://127.0.0.1:0", "--regions", "2", "--view", "lines",
            "--silo-port", "0", "--gateway-port", "0", "--duration", "600");
        var line = await demo.WaitForLineAsync(l => l.StartsWith("demo: API on ", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        var api = new Uri(ApiAddress().Match(line).Groups[1].Value);

        var port = Controller.Host.Hosting.SiloSettings.FreePort();
        var config = Path.Combine(_directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: controller
                metrics_path: /metrics
                static_configs:
                  - targets: ['{api.Authority}']
            """);
        using var server = Process.Start(new ProcessStartInfo(prometheus)
        {
            ArgumentList = { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(_directory, "tsdb")}", $"--web.listen-address=127.0.0.1:{port}" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        server.ErrorDataReceived += (_, _) => { };
        server.OutputDataReceived += (_, _) => { };
        server.BeginErrorReadLine();
        server.BeginOutputReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
            JsonElement result = default;
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    var answer = await http.GetFromJsonAsync<JsonElement>("api/v1/query?query=controller_loop_duration_milliseconds_count");
                    result = answer.GetProperty("data").GetProperty("result");
                    if (result.GetArrayLength() > 0 && double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture) > 0)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // Prometheus is still starting.
                }

                await Task.Delay(500);
            }

            Assert.True(result.ValueKind == JsonValueKind.Array && result.GetArrayLength() > 0, $"no loop-latency series in Prometheus.\ndemo stderr:\n{demo.Error}");
            var series = result[0].GetProperty("metric");
            Assert.Equal("controller", series.GetProperty("job").GetString());
            Assert.Equal(api.Authority, series.GetProperty("instance").GetString());

            // The 99th percentile over the buckets is a number Prometheus computes from the scraped histogram.
            var quantile = await http.GetFromJsonAsync<JsonElement>("api/v1/query?query=" + Uri.EscapeDataString("histogram_quantile(0.99, sum by (le) (controller_loop_duration_milliseconds_bucket))"));
            var p99 = double.Parse(quantile.GetProperty("data").GetProperty("result")[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(p99 > 0 && p99 <= 1000, $"p99 {p99}");
            var orleans = await http.GetFromJsonAsync<JsonElement>("api/v1/query?query=" + Uri.EscapeDataString("count({otel_scope_name=\"Microsoft.Orleans\"})"));
            Assert.NotEqual(0, orleans.GetProperty("data").GetProperty("result").GetArrayLength());
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }

        // The same demo: its key came from the environment, works, is logged by id and never printed.
        using var client = new HttpClient { BaseAddress = api };
        using var refused = await client.PutAsJsonAsync("api/regions/r000/policy", new { policy = "wmmse" });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var done = await client.PutAsJsonAsync("api/regions/r000/policy", new { policy = "wmmse" });
        Assert.Equal(HttpStatusCode.NoContent, done.StatusCode);
        await demo.WaitForLineAsync(l => l.Contains($"API set-policy r000 by {ApiAccess.KeyId(Key)} from 127.0.0.1:", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        Assert.Contains($"need a key from ${ApiAccess.KeyVariable}", demo.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, demo.Error + demo.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "state", ApiAccess.GeneratedKeyFileName)));
    }

    [Theory]
    [InlineData("demo", "--listen", "http://0.0.0.0:0")]
    [InlineData("demo", "--listen", "http://*:0")]
    [InlineData("silo", "--role", "control", "--ran", "http://127.0.0.1:9", "--listen", "http://0.0.0.0:0")]
    public async Task Listening_beyond_loopback_without_a_key_is_refused_at_start(params string[] args)
    {
        var state = Path.Combine(_directory, "state");
        var (code, stdout, stderr) = await ControllerProcess.RunAsync(null, [.. args, "--state-dir", state]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: the API would listen beyond loopback", line, StringComparison.Ordinal);
        Assert.Contains(ApiAccess.KeyVariable, line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(state), "nothing may start or touch the disk before the refusal");
    }

    [Fact]
    public async Task The_loopback_demo_generates_its_key_into_the_state_directory_and_prints_only_the_path()
    {
        var state = Path.Combine(_directory, "state");
        var (code, stdout, stderr) = await ControllerProcess.RunAsync(null, "demo", "--state-dir", state, "--listen", "http://127.0.0.1:0", "--regions", "1", "--duration", "1", "--view", "lines", "--silo-port", "0", "--gateway-port", "0");
        Assert.True(code == 0, stderr);
        var file = Path.Combine(state, ApiAccess.GeneratedKeyFileName);
        var key = (await File.ReadAllTextAsync(file)).Trim();
        Assert.Contains($"need the key in {file}", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(key, stdout + stderr, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }

    private static string FindPrometheus()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin"))
        {
            var candidate = Path.Combine(directory, "prometheus");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail("Debian's 'prometheus' is not installed; infra/test installs it as root (infra/prerequisites.sh), or: sudo apt-get install prometheus");
        return "";
    }

    [GeneratedRegex(@"API on (http://[^ ]+/)")]
    private static partial Regex ApiAddress();
}
