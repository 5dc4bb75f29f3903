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
        var simulator = new RanSimulator(new RanSimulatorOptions { Regions = 2, Settings = [new("users", "8"), new("aps", "2")] });
        await using var ran = await RanHttpServer.StartAsync(simulator, new RanHttpServerOptions(), CancellationToken.None);
        using var silo = ControllerProcess.Start(
            "silo", "--role", "control", "--membership", "localhost", "--ran", ran.Address.ToString(), "--state-dir", _state.FullName, "--listen", "http://127.0.0.1:0",
            "--silo-port", "0", "--gateway-port", "0", "--period", "50");
        var line = await silo.WaitForLineAsync(l => l.StartsWith("silo: control role", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri(ApiRegex().Match(line).Groups["url"].Value) };

        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement regions;
        do
        {
            await Task.Delay(200);
            regions = await http.GetFromJsonAsync<JsonElement>("api/regions");
        }
        while (regions.EnumerateArray().Any(r => r.GetProperty("iterations").GetInt64() < 3) && DateTime.UtcNow < deadline);
        silo.Kill();

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
        var simulator = new RanSimulator(new RanSimulatorOptions { Scenario = "isac", Regions = 1 });
        await using var ran = await RanHttpServer.StartAsync(simulator, new RanHttpServerOptions(), CancellationToken.None);
        using var silo = ControllerProcess.Start(
            "silo", "--role", "control", "--membership", "localhost", "--ran", ran.Address.ToString(), "--state-dir", _state.FullName, "--listen", "http://127.0.0.1:0",
            "--silo-port", "0", "--gateway-port", "0", "--period", "100");
        var line = await silo.WaitForLineAsync(l => l.StartsWith("silo: control role", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri(ApiRegex().Match(line).Groups["url"].Value) };

        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement regions;
        do
        {
            await Task.Delay(200);
            regions = await http.GetFromJsonAsync<JsonElement>("api/regions");
        }
        while (regions.EnumerateArray().Any(r => r.GetProperty("iterations").GetInt64() < 2) && DateTime.UtcNow < deadline);
        silo.Kill();

        Assert.Contains("(policy: each region's stored one, else isac-robust)", line, StringComparison.Ordinal);
        Assert.Contains("silo: warmed up isac-robust on 40 slots of isac in ", silo.Error, StringComparison.Ordinal);
        var region = Assert.Single(regions.EnumerateArray());
        Assert.Equal("isac-robust", region.GetProperty("policy").GetString());
        Assert.True(region.GetProperty("iterations").GetInt64() >= 2, region.GetRawText());
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
