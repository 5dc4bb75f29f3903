using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Controller.Host.Tests.Cli;

/// <summary>
/// The demo killed with SIGKILL (no chance to save) and started again on the same state directory: operator
/// settings (a region's policy, a user's demand override) come back exactly, the directory lock of the dead process
/// does not block the new one, and loops go on.
/// </summary>
[Trait("Category", "Process")]
public sealed partial class DemoCrashTests : IDisposable
{
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("demo-crash-");

    public void Dispose() => _state.Delete(recursive: true);

    [Fact]
    public async Task Killed_demo_restarts_on_its_directory_with_operator_settings_exact()
    {
        using (var first = StartDemo())
        {
            var api = await ApiAsync(first);
            using var http = new HttpClient { BaseAddress = api };
            // The key the loopback demo generated into its state directory (the out-of-the-box way to change it).
            var key = (await File.ReadAllTextAsync(Path.Combine(_state.FullName, Controller.Host.Api.ApiAccess.GeneratedKeyFileName))).Trim();
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            using (var policy = await http.PutAsJsonAsync("api/regions/r001/policy", new { policy = "wmmse" }))
            {
                Assert.Equal(System.Net.HttpStatusCode.NoContent, policy.StatusCode);
            }

            using (var demand = await http.PutAsJsonAsync("api/users/r000/u003/demand", new { demand = 2.5 }))
            {
                Assert.Equal(System.Net.HttpStatusCode.NoContent, demand.StatusCode);
            }

            await first.WaitForLineAsync(line => line.StartsWith("t=2s", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            first.Kill();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        using var second = StartDemo();
        var again = await ApiAsync(second);
        using var client = new HttpClient { BaseAddress = again };
        await second.WaitForLineAsync(line => line.StartsWith("t=1s", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var region = await client.GetFromJsonAsync<JsonElement>("api/regions/r001");
        var user = await client.GetFromJsonAsync<JsonElement>("api/users/r000/u003");
        second.Kill();

        Assert.Contains("(resuming)", second.Error, StringComparison.Ordinal);
        Assert.Equal("wmmse", region.GetProperty("policy").GetString());
        Assert.Equal(2.5, user.GetProperty("demand").GetDouble());
        Assert.True(region.GetProperty("iterations").GetInt64() > 0);
    }

    private RunningController StartDemo() => ControllerProcess.Start(
        "demo", "--silo-port", "0", "--gateway-port", "0", "--listen", "http://127.0.0.1:0", "--regions", "2", "--period", "50",
        "--duration", "0", "--view", "lines", "--state-dir", _state.FullName);

    private static async Task<Uri> ApiAsync(RunningController demo)
    {
        var line = await demo.WaitForLineAsync(l => l.StartsWith("demo: API on ", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        return new Uri(ApiRegex().Match(line).Groups["url"].Value);
    }

    [GeneratedRegex(@"demo: API on (?<url>\S+)")]
    private static partial Regex ApiRegex();
}
