using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Controller.Ran.Http;
using Controller.Ran.Simulation;

namespace Controller.Host.Tests.Cli;

/// <summary><c>controller silo --role control</c> as a process of its own, controlling a RAN served over HTTP.</summary>
[Trait("Category", "Process")]
public sealed partial class ControlSiloProcessTests : IDisposable
{
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("control-silo-");

    public void Dispose() => _state.Delete(recursive: true);

    [Fact]
    public async Task A_control_silo_runs_every_region_of_an_external_RAN_and_serves_the_API()
    {
        var (line, _, regions) = await RunSiloUntilAsync(new RanSimulatorOptions { Regions = 2, Settings = [new("users", "8"), new("aps", "2")] }, periodMs: 50, iterations: 3);

        Assert.Contains("the cluster's first silo", line, StringComparison.Ordinal);
        Assert.Equal(2, regions.GetArrayLength());
        Assert.All(regions.EnumerateArray(), r =>
        {
            Assert.True(r.GetProperty("running").GetBoolean());
            Assert.True(r.GetProperty("iterations").GetInt64() >= 3, r.GetRawText());
            Assert.Equal(0, r.GetProperty("failedLoops").GetInt64());
        });
    }

    [Fact]
    public async Task A_control_silo_on_an_ISAC_RAN_steers_beams_by_default()
    {
        var (line, error, regions) = await RunSiloUntilAsync(new RanSimulatorOptions { Scenario = "isac", Regions = 1 }, periodMs: 100, iterations: 2);

        Assert.Contains("(policy: each region's stored one, else isac-robust)", line, StringComparison.Ordinal);
        Assert.Contains("silo: warmed up isac-robust on 40 slots of isac in ", error, StringComparison.Ordinal);
        var region = Assert.Single(regions.EnumerateArray());
        Assert.Equal("isac-robust", region.GetProperty("policy").GetString());
        Assert.True(region.GetProperty("iterations").GetInt64() >= 2, region.GetRawText());
    }

    /// <summary>
    /// A control silo process on a simulated RAN served over HTTP, until every region has run <paramref name="iterations"/>
    /// loops (at most 60 s); returns its start line, its stderr and the regions the API last listed.
    /// </summary>
    private async Task<(string Line, string Error, JsonElement Regions)> RunSiloUntilAsync(RanSimulatorOptions options, int periodMs, int iterations)
    {
        var simulator = new RanSimulator(options);
        await using var ran = await RanHttpServer.StartAsync(simulator, new RanHttpServerOptions(), CancellationToken.None);
        using var silo = ControllerProcess.Start(
            "silo", "--role", "control", "--membership", "localhost", "--ran", ran.Address.ToString(), "--state-dir", _state.FullName, "--listen", "http://127.0.0.1:0",
            "--silo-port", "0", "--gateway-port", "0", "--period", periodMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var line = await silo.WaitForLineAsync(l => l.StartsWith("silo: control role", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri(ApiRegex().Match(line).Groups["url"].Value) };

        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement regions;
        do
        {
            await Task.Delay(200);
            regions = await http.GetFromJsonAsync<JsonElement>("api/regions");
        }
        while (regions.EnumerateArray().Any(r => r.GetProperty("iterations").GetInt64() < iterations) && DateTime.UtcNow < deadline);
        silo.Kill();
        return (line, silo.Error, regions);
    }

    [Fact]
    public async Task A_joining_control_silo_without_shared_state_or_a_RAN_is_a_one_line_error()
    {
        var noRan = await ControllerProcess.RunAsync(null, "silo", "--role", "control", "--state-dir", _state.FullName);
        var noBlob = await ControllerProcess.RunAsync(null, "silo", "--role", "control", "--ran", "http://127.0.0.1:9/", "--join", "127.0.0.1:11111", "--state-dir", _state.FullName);

        Assert.Equal(2, noRan.Code);
        Assert.Equal("error: --role control needs --ran URL: the RAN it controls.", noRan.Stderr.Trim());
        Assert.Equal(2, noBlob.Code);
        Assert.StartsWith("error: A control silo that joins a cluster needs the state every control silo shares", noBlob.Stderr.Trim(), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"API on (?<url>\S+?);")]
    private static partial Regex ApiRegex();
}
