using System.Text.Json;
using Controller.Grains.Inference;
using Controller.Optimization.Policies;
using Controller.Policies;
using Controller.Policies.ArtifactFormat;
using Controller.Ran.Simulation;
using Controller.Grains.Hosting;

namespace Controller.Grains.Tests;

public sealed class InferenceTests : IDisposable
{
    private readonly DirectoryInfo _artifacts = Directory.CreateTempSubdirectory("inference-");

    public InferenceTests()
    {
        var manifest = new PolicyManifest("silo-gnn", new ResilientGnnHyperparameters(2, 16, 0.01, 10), new PfRatioInputs())
        {
            Training = new PolicyTraining("resilient-rrm", new Dictionary<string, string> { ["aps"] = "3", ["users"] = "12" }, new Dictionary<string, JsonElement>()),
        };
        PolicyArtifact.WriteRandom(Path.Combine(_artifacts.FullName, "silo-gnn"), manifest, seed: 11);
    }

    public void Dispose() => _artifacts.Delete(recursive: true);

    [Fact]
    public async Task Regions_through_the_inference_silo_decide_exactly_as_regions_running_the_model()
    {
        var viaSilo = await RunAsync(inferenceSilo: true, regions: 4, loops: 12);
        var inRegion = await RunAsync(inferenceSilo: false, regions: 4, loops: 12);

        Assert.Equal(inRegion.Rates, viaSilo.Rates);
        Assert.Equal(4 * 12, viaSilo.Stats!.Requests);
        Assert.InRange(viaSilo.Stats.Batches, 1, viaSilo.Stats.Requests);
        Assert.Null(inRegion.Stats);
    }

    [Fact]
    public async Task Regions_through_an_inference_silo_of_its_own_decide_exactly_as_regions_running_the_model()
    {
        var viaRemote = await RunAsync(inferenceSilo: true, regions: 4, loops: 12, remote: true);
        var inRegion = await RunAsync(inferenceSilo: false, regions: 4, loops: 12);

        Assert.Equal(inRegion.Rates, viaRemote.Rates);
        Assert.Equal(4 * 12, viaRemote.Stats!.Requests);
        // The model ran on the inference silo (the second one), not on the control silo beside the regions.
        Assert.Equal(viaRemote.Silos[1], viaRemote.Stats.Silo);
    }

    [Fact]
    public async Task A_malformed_question_to_an_inference_silo_is_refused_with_the_same_reason()
    {
        await using var runtime = await Build(inferenceSilo: true, regions: 1, remote: true);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => runtime.GetGrain<IInferenceGrain>("silo-gnn").InferGnnAsync(
            new GnnQuestion(2, 1, [1.0, -2.0], [0, 0], [true, true], [0.1, 0.2], 1e-3, 1), CancellationToken.None));

        Assert.Equal("Inference question for policy 'silo-gnn' has a gain that is negative or not finite.", error.Message);
        Assert.Equal(runtime.SiloAddresses[1], (await runtime.GetGrain<IInferenceGrain>("silo-gnn").GetStatsAsync(CancellationToken.None)).Silo);
    }

    [Fact]
    public async Task Inference_silo_gone_the_control_silo_serves_the_policy_and_loops_go_on()
    {
        await using var runtime = await Build(inferenceSilo: true, regions: 1, remote: true);
        var region = runtime.GetGrain<IRegionGrain>(RanIds.Region(0));
        Assert.Equal(LoopOutcome.Completed, await region.RunLoopAsync(CancellationToken.None));

        await runtime.StopSiloAsync(1);
        // The placement filter falls back to any silo when no inference silo is up: the next loop's question
        // activates the inference grain beside the regions.
        Assert.Equal(LoopOutcome.Completed, await region.RunLoopAsync(CancellationToken.None));
        Assert.Equal(2, (await region.GetStatusAsync(CancellationToken.None)).Iterations);
        Assert.Equal(runtime.SiloAddresses[0], (await runtime.GetGrain<IInferenceGrain>("silo-gnn").GetStatsAsync(CancellationToken.None)).Silo);
    }

    [Fact]
    public async Task A_malformed_question_is_refused_with_its_reason()
    {
        var runtime = await Build(inferenceSilo: true, regions: 1);
        await using (runtime)
        {
            var grain = runtime.GetGrain<IInferenceGrain>("silo-gnn");
            var error = await Assert.ThrowsAsync<ArgumentException>(() => grain.InferGnnAsync(
                new GnnQuestion(2, 1, [1.0, double.NaN], [0, 0], [true, true], [0.1, 0.2], 1e-3, 1), CancellationToken.None));
            Assert.Equal("Inference question for policy 'silo-gnn' has a gain that is negative or not finite.", error.Message);
            var wrongSize = await Assert.ThrowsAsync<ArgumentException>(() => grain.InferGnnAsync(
                new GnnQuestion(2, 1, [1.0], [0, 0], [true, true], [0.1, 0.2], 1e-3, 1), CancellationToken.None));
            Assert.Contains("has 1 gains for 2 users x 1 cells", wrongSize.Message, StringComparison.Ordinal);
            Assert.Equal(0, (await grain.GetStatsAsync(CancellationToken.None)).Requests);
        }
    }

    [Fact]
    [Trait("Category", "Process")]
    public async Task The_torch_backend_answers_as_the_managed_one_within_1e4()
    {
        if (!TorchAvailable(out var why))
        {
            Assert.True(Environment.GetEnvironmentVariable("CONTROLLER_REQUIRE_TORCH") != "1", why);
            Console.WriteLine($"skipped in effect: {why}");
            return;
        }

        var simulator = new RanSimulator(ControlHarness.SmallNetwork(regions: 3));
        var questions = simulator.Topology.Regions.Select((region, r) =>
        {
            var telemetry = simulator.PullTelemetry(region.RegionId);
            var users = region.UserIds.Count;
            var cells = region.CellIds.Count;
            return new GnnQuestion(
                users,
                cells,
                [.. telemetry.Gains.SelectMany(row => row)],
                [.. region.ServingCell],
                [.. telemetry.Active],
                [.. Enumerable.Range(0, users).Select(j => 0.1 + (0.37 * ((j * 7) + r) % 3))],
                region.Noise,
                region.MaxPower);
        }).ToArray();

        var managed = await AnswerAsync("managed", questions);
        var torch = await AnswerAsync("torch", questions);
        for (var q = 0; q < questions.Length; q++)
        {
            AssertClose(managed[q].Power, torch[q].Power);
            AssertClose(managed[q].Selection, torch[q].Selection);
        }
    }

    private async Task<GnnAnswer[]> AnswerAsync(string backend, GnnQuestion[] questions)
    {
        var simulator = new RanSimulator(ControlHarness.SmallNetwork(regions: 1));
        var provider = new ControlPolicies(new LearnedPolicies(_artifacts.FullName));
        var plane = new Hosting.ControlPlaneSetup(simulator, simulator.Topology, new ControlPlaneOptions { InferenceSilo = true, InferenceBackend = backend }, provider);
        await using var runtime = await TestSilo.StartAsync(plane);
        var grain = runtime.GetGrain<IInferenceGrain>("silo-gnn");
        return await Task.WhenAll(questions.Select(q => grain.InferGnnAsync(q, CancellationToken.None)));
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * Math.Max(1e-12, Math.Abs(expected[i])) + 1e-9, $"{i}: managed {expected[i]}, torch {actual[i]}");
        }
    }

    private static bool TorchAvailable(out string why)
    {
        try
        {
            using var probe = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/python3", "-c \"import torch\"") { RedirectStandardError = true, UseShellExecute = false })!;
            probe.WaitForExit();
            why = probe.ExitCode == 0 ? "" : "/usr/bin/python3 cannot import torch";
            return probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            why = $"/usr/bin/python3 is not available: {exception.Message}";
            return false;
        }
    }

    private async Task<(double[] Rates, InferenceStats? Stats, IReadOnlyList<string> Silos)> RunAsync(bool inferenceSilo, int regions, int loops, bool remote = false)
    {
        var runtime = await Build(inferenceSilo, regions, remote);
        await using (runtime)
        {
            for (var loop = 0; loop < loops; loop++)
            {
                // All regions at once, so that their questions meet in the inference grain.
                var outcomes = await Task.WhenAll(Enumerable.Range(0, regions).Select(r => runtime.GetGrain<IRegionGrain>(RanIds.Region(r)).RunLoopAsync(CancellationToken.None)));
                Assert.All(outcomes, o => Assert.Equal(LoopOutcome.Completed, o));
            }

            var rates = new List<double>();
            for (var r = 0; r < regions; r++)
            {
                for (var u = 0; u < 12; u++)
                {
                    rates.Add((await runtime.GetGrain<IUserGrain>(RanIds.User(RanIds.Region(r), u)).GetStateAsync(CancellationToken.None)).RateAverage);
                }
            }

            var stats = inferenceSilo ? await runtime.GetGrain<IInferenceGrain>("silo-gnn").GetStatsAsync(CancellationToken.None) : null;
            return ([.. rates], stats, runtime.SiloAddresses);
        }
    }

    private Task<TestSilo> Build(bool inferenceSilo, int regions, bool remote = false)
    {
        var simulator = new RanSimulator(ControlHarness.SmallNetwork(regions: regions));
        var provider = new ControlPolicies(new LearnedPolicies(_artifacts.FullName));
        var plane = new ControlPlaneSetup(simulator, simulator.Topology, new ControlPlaneOptions { Policy = "gnn:silo-gnn", InferenceSilo = inferenceSilo }, provider);
        return TestSilo.StartAsync(plane, inferenceSilo: remote);
    }
}
