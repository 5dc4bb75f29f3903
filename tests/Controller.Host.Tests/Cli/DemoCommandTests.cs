using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Controller.Grains;
using Controller.Ran.Http;
using Controller.Ran.Simulation;
using Controller.Persistence;
using Orleans;
using Orleans.Runtime;

namespace Controller.Host.Tests.Cli;

[Collection(TimedDemoRunsAlone.Name)]
public sealed partial class DemoCommandTests
{
    [Fact]
    public void Demo_runs_saves_state_and_resumes_it()
    {
        var directory = Directory.CreateTempSubdirectory("demo-");
        try
        {
            string[] args = ["demo", "--silo-port", "0", "--gateway-port", "0", "--duration", "2", "--regions", "2", "--period", "20", "--state-dir", directory.FullName, "--listen", "none", "--view", "lines", "--policy", "alcor(wmmse)"];
            var first = CliRun.Of(args);
            Assert.True(first.ExitCode == 0, first.Error);
            Assert.DoesNotContain("(resuming)", first.Error, StringComparison.Ordinal);
            Assert.Contains("t=1s loops=", first.Output, StringComparison.Ordinal);
            var firstLoops = Loops(first.Output);
            Assert.True(firstLoops >= 1, first.Output);
            Assert.NotEmpty(Directory.EnumerateFiles(directory.FullName, "*", SearchOption.AllDirectories));

            var second = CliRun.Of(args);
            Assert.True(second.ExitCode == 0, second.Error);
            Assert.Contains("(resuming)", second.Error, StringComparison.Ordinal);
            // Region iterations continue from the stored count.
            Assert.True(Loops(second.Output) > firstLoops, second.Output);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Demo_on_the_isac_scenario_runs_robust_isac_beamforming_unless_told_otherwise()
    {
        var directory = Directory.CreateTempSubdirectory("demo-isac-");
        try
        {
            var run = CliRun.Of("demo", "--silo-port", "0", "--gateway-port", "0", "--duration", "1", "--regions", "1", "--scenario", "isac", "--listen", "none", "--view", "lines", "--state-dir", directory.FullName);

            Assert.True(run.ExitCode == 0, run.Error);
            Assert.Contains("demo: policy: each region's stored one, else isac-robust", run.Error, StringComparison.Ordinal);
            // The policy ran on a configuration like the regions' before the loops started (JIT warm-up).
            Assert.Contains($"demo: warmed up isac-robust on {Controller.Host.Cli.DemoCommand.WarmUpSlots} slots of isac in ", run.Error, StringComparison.Ordinal);
            Assert.True(run.Error.IndexOf("demo: warmed up", StringComparison.Ordinal) < run.Error.IndexOf("demo: policy:", StringComparison.Ordinal), run.Error);
            Assert.Contains("t=1s loops=", run.Output, StringComparison.Ordinal);
            Assert.Equal(Controller.Grains.ControlPlaneOptions.DefaultPolicy, Controller.Host.Cli.DemoCommand.DefaultPolicy("resilient-rrm"));
            Assert.Equal(Controller.Grains.ControlPlaneOptions.DefaultPolicy, Controller.Host.Cli.DemoCommand.DefaultPolicy("agg-gnn"));

            // The demo on --ran and the control silo pick it from the RAN's topology: isac-robust only when every region is ISAC.
            static Controller.Ran.Contract.RegionTopology Region(string id, string scenario) => new(id, scenario, ["c0"], ["u0"], [0], 1, 1, "");
            Assert.Equal("isac-robust", Controller.Host.Cli.DemoCommand.DefaultPolicy(new Controller.Ran.Contract.RanTopology([Region("r0", "isac"), Region("r1", "isac")])));
            Assert.Equal(Controller.Grains.ControlPlaneOptions.DefaultPolicy, Controller.Host.Cli.DemoCommand.DefaultPolicy(new Controller.Ran.Contract.RanTopology([Region("r0", "isac"), Region("r1", "resilient-rrm")])));
            Assert.Equal(Controller.Grains.ControlPlaneOptions.DefaultPolicy, Controller.Host.Cli.DemoCommand.DefaultPolicy(new Controller.Ran.Contract.RanTopology([])));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Demo_refuses_state_saved_for_another_network_and_leaves_it_alone()
    {
        var directory = Directory.CreateTempSubdirectory("demo-");
        try
        {
            string[] aggGnn = ["demo", "--silo-port", "0", "--gateway-port", "0", "--duration", "1", "--regions", "1", "--period", "20", "--state-dir", directory.FullName, "--listen", "none", "--view", "lines", "--scenario", "agg-gnn", "--set", "pairs=4", "--policy", "agg-gnn:agg-gnn-m25"];
            var first = CliRun.Of(aggGnn);
            Assert.True(first.ExitCode == 0, first.Error);
            var saved = Snapshot(directory.FullName);

            // The same region and user ids, another network: its grains must not take over the agg-gnn state.
            var other = CliRun.Of("demo", "--silo-port", "0", "--gateway-port", "0", "--duration", "1", "--regions", "1", "--state-dir", directory.FullName, "--listen", "none", "--view", "lines");

            Assert.Equal(2, other.ExitCode);
            Assert.Contains($"The state in {directory.FullName} belongs to another network (agg-gnn: 1 regions, 4 cells, 4 users); this demo runs resilient-rrm: 1 regions, 4 cells, 40 users. Give it a --state-dir of its own (for example {Path.Combine(directory.Parent!.FullName, "demo-resilient-rrm")})", other.Error, StringComparison.Ordinal);
            Assert.Equal(saved, Snapshot(directory.FullName));

            var again = CliRun.Of(aggGnn);
            Assert.True(again.ExitCode == 0, again.Error);
            Assert.Contains("(resuming)", again.Error, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    // Every file but the lock (each process that takes the directory writes itself into it as the holder).
    private static Dictionary<string, string> Snapshot(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != StateDirectoryLock.LockFileName)
            .ToDictionary(f => Path.GetRelativePath(directory, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

    [Fact]
    public void A_second_demo_on_a_locked_state_directory_exits_at_once_naming_the_holder()
    {
        var directory = Directory.CreateTempSubdirectory("demo-locked-");
        try
        {
            using (StateDirectoryLock.Acquire(directory.FullName))
            {
                var run = CliRun.Of("demo", "--silo-port", "0", "--gateway-port", "0", "--duration", "1", "--listen", "none", "--state-dir", directory.FullName);

                Assert.Equal(2, run.ExitCode);
                var line = Assert.Single(run.Error.Trim().Split('\n'));
                Assert.Contains(directory.FullName, line, StringComparison.Ordinal);
                Assert.Contains(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), line, StringComparison.Ordinal);
                Assert.Empty(Directory.EnumerateFiles(directory.FullName, "*.state", SearchOption.AllDirectories));
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_truncated_state_file_is_a_one_line_error_naming_it_and_is_kept()
    {
        var directory = Directory.CreateTempSubdirectory("demo-corrupt-");
        try
        {
            string[] args = ["demo", "--silo-port", "0", "--gateway-port", "0", "--duration", "1", "--regions", "1", "--period", "20", "--listen", "none", "--view", "lines", "--state-dir", directory.FullName];
            Assert.Equal(0, CliRun.Of(args).ExitCode);
            var file = Directory.EnumerateFiles(directory.FullName, "*.user.state", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
            var bytes = File.ReadAllBytes(file);
            File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);

            var run = CliRun.Of(args);

            Assert.Equal(2, run.ExitCode);
            var line = Assert.Single(run.Error.Trim().Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));
            Assert.Contains(file, line, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
            Assert.Equal(bytes[..(bytes.Length / 2)], File.ReadAllBytes(file));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Demo_controls_an_external_RAN_over_HTTP()
    {
        var simulator = new RanSimulator(new RanSimulatorOptions { Regions = 2, Settings = [new("users", "8"), new("aps", "2")] });
        await using var server = await RanHttpServer.StartAsync(simulator, new RanHttpServerOptions(), CancellationToken.None);
        var directory = Directory.CreateTempSubdirectory("demo-ran-");
        try
        {
            var run = await Task.Run(() => CliRun.Of("demo", "--silo-port", "0", "--gateway-port", "0", "--ran", server.Address.ToString(), "--duration", "2", "--period", "50", "--listen", "none", "--view", "lines", "--state-dir", directory.FullName));
            Assert.True(run.ExitCode == 0, run.Error);
            Assert.Contains($"from {server.Address}", run.Error, StringComparison.Ordinal);
            Assert.True(Loops(run.Output) >= 10, run.Output);
            // The decisions reached the RAN in the other "process": its regions moved on by one slot per loop.
            Assert.True(simulator.PullTelemetry("r000").Slot >= 5);
            Assert.True(simulator.PullTelemetry("r001").Slot >= 5);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Demo_with_unreachable_RAN_is_one_line_error()
    {
        var run = CliRun.Of("demo", "--silo-port", "0", "--gateway-port", "0", "--ran", "http://127.0.0.1:9/", "--duration", "1", "--listen", "none");
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: Cannot reach the RAN at http://127.0.0.1:9/", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Demo_demand_schedule_reaches_the_user_grain()
    {
        var directory = Directory.CreateTempSubdirectory("demo-schedule-");
        try
        {
            var run = CliRun.Of("demo", "--silo-port", "0", "--gateway-port", "0", "--regions", "1", "--period", "10", "--duration", "2", "--listen", "none", "--view", "lines", "--state-dir", directory.FullName, "--demand-change", "5:r000/u003=0.125");
            Assert.True(run.ExitCode == 0, run.Error);
            // The user grains' state files, read with the demo's own file storage provider.
            var storage = new FileGrainStorage("control", new FileGrainStorageOptions { RootDirectory = directory.FullName });
            var changed = new GrainState<UserState>();
            var unchanged = new GrainState<UserState>();
            await storage.ReadStateAsync("user", GrainId.Create("user", "r000/u003"), changed, CancellationToken.None);
            await storage.ReadStateAsync("user", GrainId.Create("user", "r000/u004"), unchanged, CancellationToken.None);
            Assert.Equal(0.125, changed.State!.Demand);
            Assert.Equal(1, unchanged.State!.Demand);
            Assert.True(changed.State.Observations > 5);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("5:r000/u999=1", "error: Demand schedule entry 0 names unknown user 'r000/u999'")]
    [InlineData("5:r000/u001=-2", "error: Demand schedule entry 0: the demand of user 'r000/u001' must be a finite number in [0, 40]")]
    [InlineData("5:r000/u001=1e6", "error: Demand schedule entry 0: the demand of user 'r000/u001' must be a finite number in [0, 40]")]
    [InlineData("five:r000/u001=2", "error: --demand-change must look like SLOT:USER=DEMAND")]
    public void Demo_bad_demand_schedule_is_one_line_error(string change, string message)
    {
        var run = CliRun.Of("demo", "--silo-port", "0", "--gateway-port", "0", "--duration", "1", "--listen", "none", "--demand-change", change);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith(message, run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Trim().Split('\n'));
    }

    [Fact]
    public void Demo_with_unknown_policy_is_one_line_error()
    {
        var run = CliRun.Of("demo", "--silo-port", "0", "--gateway-port", "0", "--policy", "alcor(nope)", "--listen", "none", "--duration", "1");
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: Unknown policy 'nope'", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Trim().Split('\n'));
    }

    [Fact]
    public void Bench_loop_reports_latency_updates_and_cpu()
    {
        var run = CliRun.Of("bench", "loop", "--cells", "8", "--users", "80", "--period", "20", "--warmup", "1", "--duration", "1", "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("regions").GetInt32());
        Assert.True(root.GetProperty("loops").GetInt64() > 0);
        Assert.True(root.GetProperty("p99Ms").GetDouble() >= root.GetProperty("p50Ms").GetDouble());
        Assert.True(root.GetProperty("userUpdatesPerSecond").GetDouble() > 0);
        Assert.Equal(4000, root.GetProperty("targetUserUpdatesPerSecond").GetDouble());
        Assert.True(root.TryGetProperty("overruns", out _));
        Assert.True(root.GetProperty("cpuPercent").GetDouble() > 0);
    }

    [Fact]
    public void Demo_through_inference_grains_on_the_torchsharp_backend_runs_its_loops()
    {
        var directory = Directory.CreateTempSubdirectory("demo-torchsharp-");
        try
        {
            var run = CliRun.Of(
                "demo", "--silo-port", "0", "--gateway-port", "0", "--duration", "3", "--regions", "2", "--period", "20", "--state-dir", directory.FullName, "--listen", "none", "--view", "lines",
                "--policy", "gnn:resilient-gnn-m4-n40", "--inference", "silo", "--inference-backend", "torchsharp", "--torch-threads", "1");

            Assert.True(run.ExitCode == 0, run.Error);
            Assert.True(Loops(run.Output) >= 2, run.Output);
            Assert.Matches(@"failed loops 0\b", run.Output);
            var questions = InferenceQuestions().Match(run.Error);
            Assert.True(questions.Success && long.Parse(questions.Groups[1].Value, CultureInfo.InvariantCulture) > 0, run.Error);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Demo_with_the_removed_torch_backend_is_a_usage_error()
    {
        var run = CliRun.Of("demo", "--silo-port", "0", "--gateway-port", "0", "--duration", "1", "--listen", "none", "--inference-backend", "torch");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("torchsharp", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_loop_on_isac_regions_reports_iterations_quality_and_its_baseline()
    {
        var run = CliRun.Of(
            "bench", "loop", "--scenario", "isac", "--regions", "1", "--period", "200", "--warmup", "1", "--duration", "1", "--runs", "1",
            "--policy", "isac-robust", "--baseline", "isac-nonrobust:1", "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Equal("isac", root.GetProperty("scenario").GetString());
        Assert.Equal(1, root.GetProperty("regions").GetInt32());
        Assert.Equal(1, root.GetProperty("runs").GetInt32());
        Assert.False(root.TryGetProperty("cells", out _));
        Assert.True(root.GetProperty("loops").GetInt64() > 0);
        var isac = root.GetProperty("isac");
        Assert.True(isac.GetProperty("samples").GetInt64() > 0, run.Output);
        Assert.InRange(isac.GetProperty("minIterations").GetInt32(), 1, 30);
        Assert.InRange(isac.GetProperty("maxIterations").GetInt32(), isac.GetProperty("minIterations").GetInt32(), 30);
        Assert.True(isac.GetProperty("meanTrueWsr").GetDouble() > 0);
        var baseline = root.GetProperty("baseline");
        Assert.Equal("isac-nonrobust:1", baseline.GetProperty("policy").GetString());
        Assert.Equal(1, baseline.GetProperty("isac").GetProperty("maxIterations").GetInt32());
        Assert.Equal(root.GetProperty("p50Ms").GetDouble() / baseline.GetProperty("p50Ms").GetDouble(), root.GetProperty("p50Ratio").GetDouble(), 2);
        Assert.Equal(1, root.GetProperty("perRun").GetArrayLength());
        Assert.Equal(1, root.GetProperty("baselinePerRun").GetArrayLength());
    }

    [Theory]
    [InlineData("--scenario|isac|--regions|0", "--regions must be a whole number in [1, 100000] (got '0').")]
    [InlineData("--scenario|isac|--runs|0", "--runs must be a whole number in [1, 101] (got '0').")]
    [InlineData("--scenario|isac|--baseline| ", "--baseline needs a policy name, or 'none' for no baseline.")]
    [InlineData("--scenario|isac|--baseline|isac-robust:x", "Policy 'isac-robust:x' needs a BOBLRBF iteration budget")]
    [InlineData("--scenario|isac|--policy|isac-robust:auto:2", "Policy 'isac-robust:auto:2' needs a communication weight in [0, 1]")]
    [InlineData("--scenario|isac|--cells|8", "--cells sizes the resilient-rrm network; with --scenario isac give --regions")]
    [InlineData("--regions|2", "--regions applies to --scenario isac")]
    [InlineData("--scenario|lte", "'lte'")]
    public void Bench_loop_refuses_bad_isac_settings_in_one_line(string arguments, string message)
    {
        var run = CliRun.Of(["bench", "loop", .. arguments.Split('|')]);
        Assert.Equal(2, run.ExitCode);
        var error = run.Error.Trim();
        Assert.DoesNotContain('\n', error);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_loop_refuses_uneven_splits()
    {
        var run = CliRun.Of("bench", "loop", "--cells", "10", "--users", "80");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("error: --cells (10) must be a multiple of --cells-per-region (4).", run.Error.Trim());
    }

    [Theory]
    [InlineData("--wrk-nice", "20", "--wrk-nice must be a whole number in [0, 19] (got '20').")]
    [InlineData("--wrk-nice", "-1", "--wrk-nice must be a whole number in [0, 19] (got '-1').")]
    [InlineData("--rate", "1e4", "--rate must be a whole number in [0, 1000000] (got '1e4').")]
    public void Bench_api_refuses_out_of_range_load_settings(string option, string value, string message)
    {
        var run = CliRun.Of("bench", "api", option, value);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }

    private static long Loops(string output)
    {
        var match = SummaryLoops().Match(output);
        Assert.True(match.Success, output);
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"demo summary: .*?, (\d+) loops;")]
    private static partial Regex SummaryLoops();

    [GeneratedRegex(@"inference grain resilient-gnn-m4-n40: (\d+) questions")]
    private static partial Regex InferenceQuestions();
}
