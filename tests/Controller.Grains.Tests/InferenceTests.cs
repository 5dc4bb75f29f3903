using System.Text.Json;
using Controller.Grains.Inference;
using Controller.Learning.Inference;
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
    public async Task The_torchsharp_backend_answers_as_the_managed_one_within_1e5()
    {
        var questions = Questions();
        var managed = await AnswerAsync(InferenceSilo.ManagedBackend, questions);
        var torch = await AnswerAsync(InferenceSilo.TorchSharpBackend, questions);
        for (var q = 0; q < questions.Length; q++)
        {
            AssertClose(managed.Answers[q].Power, torch.Answers[q].Power, $"question {q} power");
            AssertClose(managed.Answers[q].Selection, torch.Answers[q].Selection, $"question {q} selection");
        }

        Assert.Equal(questions.Length, torch.Stats.Requests);
    }

    [Fact]
    public async Task The_torchsharp_backend_batches_several_regions_questions_into_one_forward_pass()
    {
        // Twice the regions' questions (3 regions, and parts of them: graphs of different sizes), all at once.
        var questions = Questions().Concat(Questions()).ToArray();
        var (answers, stats) = await AnswerAsync(InferenceSilo.TorchSharpBackend, questions, rounds: 3);

        Assert.Equal(3 * questions.Length, stats.Requests);
        Assert.True(stats.Batches < stats.Requests, $"{stats.Batches} batches for {stats.Requests} questions");
        Assert.True(stats.LargestBatch > 1, $"largest batch {stats.LargestBatch}");
        Assert.Equal(questions.Length, answers.Length);
    }

    [Theory]
    [InlineData("managed")]
    [InlineData("torchsharp")]
    public async Task A_malformed_question_among_others_is_refused_with_its_reason_and_the_others_are_answered(string backend)
    {
        var good = Questions();
        var alone = await AnswerAsync(backend, good);
        var bad = good[0] with { Gains = [.. good[0].Gains.Take(good[0].Gains.Length - 1)] };
        await using var runtime = await TestSilo.StartAsync(Plane(backend, regions: 1), services: TorchSharp);
        var grain = runtime.GetGrain<IInferenceGrain>("silo-gnn");

        var calls = good.Select(q => grain.InferGnnAsync(q, CancellationToken.None)).ToList();
        var refused = grain.InferGnnAsync(bad, CancellationToken.None);
        calls.AddRange(good.Select(q => grain.InferGnnAsync(q, CancellationToken.None)));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => refused);
        var answers = await Task.WhenAll(calls);

        var n = good[0].Users;
        Assert.Equal($"Inference question for policy 'silo-gnn' has {(n * good[0].Cells) - 1} gains for {n} users x {good[0].Cells} cells.", error.Message);
        for (var q = 0; q < answers.Length; q++)
        {
            // Within float32 rounding: padded to another batch's size, libtorch may sum in another order.
            AssertClose(alone.Answers[q % good.Length].Power, answers[q].Power, $"answer {q} power");
            AssertClose(alone.Answers[q % good.Length].Selection, answers[q].Selection, $"answer {q} selection");
        }

        Assert.Equal(2 * good.Length, (await grain.GetStatsAsync(CancellationToken.None)).Requests);
    }

    [Theory]
    [InlineData("managed")]
    [InlineData("torchsharp")]
    public void A_backend_refuses_a_malformed_question_of_a_batch_and_answers_the_rest_in_one_run(string backend)
    {
        var good = Questions();
        var artifact = new LearnedPolicies(_artifacts.FullName).Load("silo-gnn");
        IGnnBackend chosen = backend == InferenceSilo.ManagedBackend ? new ManagedGnnBackend() : new TorchSharpGnnBackend(new TorchSharpInferenceOptions());
        using var network = chosen.Load("silo-gnn", artifact);
        var batch = new List<GnnQuestion>(good);
        batch.Insert(1, good[1] with { ServingCell = [.. good[1].ServingCell.Select(c => c + good[1].Cells)] });
        batch.Insert(3, good[2] with { Features = [.. good[2].Features.Select(f => -f)] });
        batch.Insert(4, good[0] with { Noise = double.NaN });

        var outcomes = network.Run(batch);
        var expected = network.Run(good);

        Assert.Equal("cpu", network.Device);
        Assert.Equal("Inference question for policy 'silo-gnn' needs one serving cell in [0, cells) per user.", outcomes[1].Rejection!.Message);
        Assert.Equal("Inference question for policy 'silo-gnn' needs one finite, non-negative feature per user.", outcomes[3].Rejection!.Message);
        Assert.Equal("Inference question for policy 'silo-gnn' needs positive, finite noise and maximum power.", outcomes[4].Rejection!.Message);
        var answered = outcomes.Where(o => o.Answer is not null).Select(o => o.Answer!).ToArray();
        Assert.Equal(good.Length, answered.Length);
        for (var q = 0; q < good.Length; q++)
        {
            Assert.Null(expected[q].Rejection);
            AssertClose(expected[q].Answer!.Power, answered[q].Power, "power");
            AssertClose(expected[q].Answer!.Selection, answered[q].Selection, "selection");
        }
    }

    [Fact]
    public async Task Regions_through_an_inference_silo_on_the_torchsharp_backend_run_their_loops()
    {
        var viaTorch = await RunAsync(inferenceSilo: true, regions: 3, loops: 6, remote: true, backend: InferenceSilo.TorchSharpBackend);

        Assert.Equal(3 * 6, viaTorch.Stats!.Requests);
        Assert.Equal(viaTorch.Silos[1], viaTorch.Stats.Silo);
        Assert.All(viaTorch.Rates, rate => Assert.True(double.IsFinite(rate) && rate >= 0, $"rate {rate}"));
        Assert.Contains(viaTorch.Rates, rate => rate > 0);
    }

    [Fact]
    public async Task A_torchsharp_inference_grain_frees_its_network_on_deactivation_and_loads_it_again()
    {
        var question = Questions()[0];
        await using var runtime = await TestSilo.StartAsync(Plane(InferenceSilo.TorchSharpBackend, regions: 1), services: TorchSharp);
        var grain = runtime.GetGrain<IInferenceGrain>("silo-gnn");
        var first = await grain.InferGnnAsync(question, CancellationToken.None);

        await runtime.DeactivateAsync(grain);
        var second = await grain.InferGnnAsync(question, CancellationToken.None);

        Assert.Equal(first.Power, second.Power);
        Assert.Equal(first.Selection, second.Selection);
        Assert.Equal(1, (await grain.GetStatsAsync(CancellationToken.None)).Requests);
    }

    [Fact]
    public async Task A_backend_the_silo_lacks_is_a_clear_error()
    {
        await using var runtime = await TestSilo.StartAsync(Plane(InferenceSilo.TorchSharpBackend, regions: 1));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => runtime.GetGrain<IInferenceGrain>("silo-gnn").InferGnnAsync(Questions()[0], CancellationToken.None));

        Assert.Contains("The inference backend 'torchsharp' is not registered in this silo", error.Message, StringComparison.Ordinal);
    }

    /// <summary>One question per region of a 3-region network, and two smaller ones cut from the first region (graphs of other sizes).</summary>
    private static GnnQuestion[] Questions()
    {
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
        }).ToList();
        questions.Add(Cut(questions[0], 7));
        questions.Add(Cut(questions[1], 3));
        return [.. questions];
    }

    /// <summary>The first <paramref name="users"/> users of <paramref name="q"/> (every cell kept).</summary>
    private static GnnQuestion Cut(GnnQuestion q, int users) => q with
    {
        Users = users,
        Gains = q.Gains[..(users * q.Cells)],
        ServingCell = q.ServingCell[..users],
        Active = q.Active[..users],
        Features = q.Features[..users],
    };

    private async Task<(GnnAnswer[] Answers, InferenceStats Stats)> AnswerAsync(string backend, GnnQuestion[] questions, int rounds = 1)
    {
        await using var runtime = await TestSilo.StartAsync(Plane(backend, regions: 1), services: TorchSharp);
        var grain = runtime.GetGrain<IInferenceGrain>("silo-gnn");
        GnnAnswer[] answers = [];
        for (var round = 0; round < rounds; round++)
        {
            answers = await Task.WhenAll(questions.Select(q => grain.InferGnnAsync(q, CancellationToken.None)));
        }

        return (answers, await grain.GetStatsAsync(CancellationToken.None));
    }

    private ControlPlaneSetup Plane(string backend, int regions, bool inferenceSilo = true)
    {
        var simulator = new RanSimulator(ControlHarness.SmallNetwork(regions: regions));
        var provider = new ControlPolicies(new LearnedPolicies(_artifacts.FullName));
        return new ControlPlaneSetup(simulator, simulator.Topology, new ControlPlaneOptions { Policy = "gnn:silo-gnn", InferenceSilo = inferenceSilo, InferenceBackend = backend }, provider);
    }

    private static void TorchSharp(Microsoft.Extensions.DependencyInjection.IServiceCollection services) => services.AddTorchSharpInference();

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]: managed {expected[i]:R}, torchsharp {actual[i]:R}");
        }
    }

    private async Task<(double[] Rates, InferenceStats? Stats, IReadOnlyList<string> Silos)> RunAsync(bool inferenceSilo, int regions, int loops, bool remote = false, string backend = InferenceSilo.ManagedBackend)
    {
        var runtime = await Build(inferenceSilo, regions, remote, backend);
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

    private Task<TestSilo> Build(bool inferenceSilo, int regions, bool remote = false, string backend = InferenceSilo.ManagedBackend) =>
        TestSilo.StartAsync(Plane(backend, regions, inferenceSilo), services: TorchSharp, inferenceSilo: remote);
}
