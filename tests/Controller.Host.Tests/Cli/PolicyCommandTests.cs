using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Controller.Grains;
using Controller.Host.Api;
using Controller.Optimization.Policies;
using Controller.Policies;
using Controller.Policies.ArtifactFormat;
using Controller.Ran.Simulation;
using Controller.Grains.Hosting;
using Controller.Host.Hosting;
using Controller.Host.Cli;

namespace Controller.Host.Tests.Cli;

[Collection(TimedDemoRunsAlone.Name)]
public sealed partial class PolicyCommandTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("policy-cli-");

    public void Dispose() => _root.Delete(recursive: true);

    private string StateDir => Path.Combine(_root.FullName, "state");

    [Fact]
    public void List_ShowsTheBuiltInPoliciesWithTheIsacOnes()
    {
        var list = CliRun.Of("policy", "list", "--state-dir", StateDir, "--json");
        Assert.True(list.ExitCode == 0, list.Error);
        using var json = JsonDocument.Parse(list.Output);
        var builtIn = json.RootElement.GetProperty("policies").EnumerateArray().Where(p => p.GetProperty("source").GetString() == "built-in").Select(p => p.GetProperty("name").GetString()).ToArray();
        Assert.Contains("isac-robust", builtIn);
        Assert.Contains("isac-nonrobust", builtIn);
        Assert.Contains("wmmse", builtIn);

        var text = CliRun.Of("policy", "list", "--state-dir", StateDir);
        Assert.Contains("  isac-robust\n", text.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void Import_List_Show_Replace_AndRefusals()
    {
        var artifact = WriteRandomResilient("small-gnn");

        var import = CliRun.Of("policy", "import", artifact, "--state-dir", StateDir);
        Assert.True(import.ExitCode == 0, import.Error);
        Assert.Contains("imported 'small-gnn' (resilient-gnn", import.Error, StringComparison.Ordinal);

        var list = CliRun.Of("policy", "list", "--state-dir", StateDir, "--json");
        Assert.Equal(0, list.ExitCode);
        using (var json = JsonDocument.Parse(list.Output))
        {
            var registered = json.RootElement.GetProperty("policies").EnumerateArray().Where(p => p.GetProperty("source").GetString() == "registry").ToArray();
            Assert.Equal("small-gnn", Assert.Single(registered).GetProperty("name").GetString());
            Assert.Equal("resilient-gnn", registered[0].GetProperty("architecture").GetString());
        }

        var show = CliRun.Of("policy", "show", "small-gnn", "--state-dir", StateDir);
        Assert.Equal(0, show.ExitCode);
        Assert.StartsWith("small-gnn: resilient-gnn (layers = 2, hidden = 16)", show.Output, StringComparison.Ordinal);
        Assert.Contains("model.safetensors", show.Output, StringComparison.Ordinal);

        var again = CliRun.Of("policy", "import", artifact, "--state-dir", StateDir);
        Assert.Equal(2, again.ExitCode);
        Assert.StartsWith("error: Artifact 'small-gnn' is already in the registry", again.Error, StringComparison.Ordinal);
        Assert.Equal(0, CliRun.Of("policy", "import", artifact, "--state-dir", StateDir, "--replace").ExitCode);

        File.WriteAllText(Path.Combine(artifact, PolicyManifest.FileName), "{ not json");
        var broken = CliRun.Of("policy", "import", artifact, "--state-dir", StateDir, "--name", "other");
        Assert.Equal(2, broken.ExitCode);
        Assert.StartsWith("error: Not imported: ", broken.Error, StringComparison.Ordinal);
        Assert.Single(broken.Error.Trim().Split('\n'));

        var unknown = CliRun.Of("policy", "show", "nope", "--state-dir", StateDir);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("No policy 'nope'", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_runs_a_policy_from_its_registry()
    {
        var artifact = WriteRandomResilient("registry-gnn");
        Assert.Equal(0, CliRun.Of("policy", "import", artifact, "--state-dir", StateDir).ExitCode);

        var run = CliRun.Of("demo", "--silo-port", "0", "--gateway-port", "0", "--policy", "gnn:registry-gnn", "--regions", "2", "--set", "users=8", "--set", "aps=2", "--period", "20", "--duration", "2", "--listen", "none", "--view", "lines", "--state-dir", StateDir);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.DoesNotContain("loops failed", run.Error, StringComparison.Ordinal);
        Assert.Contains("failed loops 0", run.Output, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(StateDir, ".policies", "registry-gnn")));
        Assert.True(Loops(run.Output) >= 1, run.Output);
    }

    [Fact]
    public async Task Switching_a_region_to_a_learned_policy_loses_no_loop()
    {
        WriteRandomResilient("switch-gnn", Path.Combine(_root.FullName, "artifacts"));
        var provider = new ControlPolicies(new LearnedPolicies(Path.Combine(_root.FullName, "artifacts")));
        var simulator = new RanSimulator(new RanSimulatorOptions { Regions = 1, Settings = [new("users", "8"), new("aps", "2")] });
        var plane = new ControlPlaneSetup(simulator, simulator.Topology, new ControlPlaneOptions(), provider);
        const string key = "policy-test-key-0123456789";
        await using var api = await ControllerHost.StartAsync(new SiloSettings { Control = plane }.WithFreePorts(), "http://127.0.0.1:0", controllerLogs: false, CancellationToken.None, new Controller.Host.Api.ApiSettings { Access = Controller.Host.Api.ApiAccess.WithKeys([key], "test") });
        var runtime = api.Grains;
        using var http = new HttpClient { BaseAddress = api.Address };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        var region = runtime.GetGrain<IRegionGrain>("r000");

        Assert.Equal(LoopOutcome.Completed, await region.RunLoopAsync(CancellationToken.None));
        using var response = await http.PutAsJsonAsync("api/regions/r000/policy", new { policy = "alcor(gnn:switch-gnn)" });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(LoopOutcome.Completed, await region.RunLoopAsync(CancellationToken.None));
        using var back = await http.PutAsJsonAsync("api/regions/r000/policy", new { policy = "gnn:switch-gnn" });
        Assert.Equal(LoopOutcome.Completed, await region.RunLoopAsync(CancellationToken.None));

        var status = await region.GetStatusAsync(CancellationToken.None);
        Assert.Equal("gnn:switch-gnn", status.Policy);
        Assert.Equal(3, status.Iterations);
        Assert.Equal(2, status.LastSlot);
        Assert.Equal(0, status.RejectedDecisions + status.RejectedTelemetry + status.Unavailable);

        using var unknown = await http.PutAsJsonAsync("api/regions/r000/policy", new { policy = "gnn:missing" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("Unknown policy artifact 'missing'", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void Import_checks_that_the_policy_serves_every_user_of_its_training_scenario()
    {
        var bundled = Path.Combine(AppContext.BaseDirectory, "artifacts");

        // The N = 50 centralized network of paper 001 keeps some outputs at zero whatever the channel.
        var dead = CliRun.Of("policy", "import", Path.Combine(bundled, "alcor-dnn-centralized-n50"), "--state-dir", StateDir);
        Assert.True(dead.ExitCode == 0, dead.Error);
        var warning = WarningRegex().Match(dead.Error);
        Assert.True(warning.Success, dead.Error);
        var unserved = int.Parse(warning.Groups["count"].Value, CultureInfo.InvariantCulture);
        Assert.InRange(unserved, 1, 49);
        Assert.Equal(unserved, warning.Groups["users"].Value.Split(", ").Length);
        Assert.Contains("validation configurations of gaussian-ic (links=50, snrDb=15)", dead.Error, StringComparison.Ordinal);

        // The N = 10 one serves everyone; --no-check runs nothing.
        var fine = CliRun.Of("policy", "import", Path.Combine(bundled, "alcor-dnn-centralized-n10"), "--state-dir", StateDir);
        Assert.True(fine.ExitCode == 0, fine.Error);
        Assert.Contains("policy: check: every one of the 10 users gets at least 0.01 bps/Hz", fine.Error, StringComparison.Ordinal);
        var unchecked_ = CliRun.Of("policy", "import", Path.Combine(bundled, "alcor-dnn-distributed-n10"), "--state-dir", StateDir, "--no-check");
        Assert.True(unchecked_.ExitCode == 0, unchecked_.Error);
        Assert.DoesNotContain("check", unchecked_.Error, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"policy: warning: (?<count>\d+) of 50 users get under 0\.01 bps/Hz .*\(users (?<users>[0-9, ]+)\)")]
    private static partial Regex WarningRegex();

    [Fact]
    public void A_registry_is_consulted_only_while_its_scope_lasts()
    {
        // A verb run in-process (a demo, a silo) lends its registry to the policy lookup; a later verb in the same
        // process must not ask it (once it was an Azurite that had gone, and an unrelated verb failed on it).
        var name = "scoped-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(0, CliRun.Of("policy", "import", WriteRandomResilient(name), "--state-dir", StateDir).ExitCode);
        var registry = PolicyCommand.Open(StateDir, null, "controller");

        using (PolicyCommand.UseRegistry(registry, Path.Combine(_root.FullName, "cache")))
        {
            HostPolicies.Learned.Validate("gnn:" + name);
        }

        var after = Assert.Throws<Controller.Radio.RadioInputException>(() => HostPolicies.Learned.Validate("gnn:" + name));
        Assert.Contains($"Unknown policy artifact '{name}'", after.Message, StringComparison.Ordinal);
    }

    private string WriteRandomResilient(string name, string? root = null)
    {
        var directory = Path.Combine(root ?? _root.FullName, name);
        var manifest = new PolicyManifest(name, new ResilientGnnHyperparameters(2, 16, 0.01, 10), new PfRatioInputs())
        {
            Training = new PolicyTraining("resilient-rrm", new Dictionary<string, string> { ["aps"] = "4", ["users"] = "40" }, new Dictionary<string, JsonElement>()),
        };
        PolicyArtifact.WriteRandom(directory, manifest, seed: 5);
        return directory;
    }

    private static long Loops(string output)
    {
        var match = SummaryLoops().Match(output);
        Assert.True(match.Success, output);
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"demo summary: .*?, (\d+) loops;")]
    private static partial Regex SummaryLoops();
}
