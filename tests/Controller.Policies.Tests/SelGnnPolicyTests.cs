using Controller.Policies.ArtifactFormat;
using Controller.Policies.Models;
using Controller.Radio;
using Controller.Radio.Allocation;
using Controller.Radio.Evaluation;
using Controller.Radio.Policies;
using Controller.Radio.Randomness;
using Controller.Radio.Scenarios;

namespace Controller.Policies.Tests;

public sealed class SelGnnPolicyTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Manifest_RoundTrips_And_Rejects_Other_Inputs()
    {
        var manifest = TestArtifacts.SelManifest(layers: 4, filter: 6, p0: 500, stateScale: 1.25);
        var parsed = PolicyManifest.Parse(manifest.ToJson(), "test");

        Assert.Equal(new SelGnnHyperparameters(4, 6, 500), parsed.Hyperparameters);
        Assert.Equal(new ChannelGraphInputs(1.25), parsed.Inputs);
        Assert.Equal(["filter.0.weight", "filter.0.bias"], parsed.Hyperparameters.ExpectedTensors().Take(2).Select(t => t.Name));
        var otherShift = manifest.ToJson().Replace("max_i sum_j sqrt(G_ij)", "trace", StringComparison.Ordinal);
        Assert.Contains("shift", Assert.Throws<PolicyArtifactException>(() => PolicyManifest.Parse(otherShift, "test")).Message, StringComparison.Ordinal);
        var zeroScale = manifest.ToJson().Replace("1.25", "0", StringComparison.Ordinal);
        Assert.Contains("stateScale", Assert.Throws<PolicyArtifactException>(() => PolicyManifest.Parse(zeroScale, "test")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Model_Is_Permutation_Equivariant()
    {
        const int Links = 9;
        var weights = SelGnnWeights.From(TestArtifacts.Random(_temp.Combine("sel"), TestArtifacts.SelManifest(), seed: 5));
        var configuration = FixedConfiguration.Links(Links, seed: 3);
        var gains = Gains(configuration);
        var deciding = Enumerable.Range(0, Links).Select(i => i % 4 != 1).ToArray();
        var permutation = new[] { 4, 0, 7, 2, 8, 1, 6, 3, 5 };
        var permutedGains = new double[Links * Links];
        var permutedDeciding = new bool[Links];
        for (var i = 0; i < Links; i++)
        {
            permutedDeciding[i] = deciding[permutation[i]];
            for (var j = 0; j < Links; j++)
            {
                permutedGains[(i * Links) + j] = gains[(permutation[i] * Links) + permutation[j]];
            }
        }

        var q = new double[Links];
        var permutedQ = new double[Links];
        new SelGnnModel(weights).Run(Links, gains, 1, deciding, q);
        new SelGnnModel(weights).Run(Links, permutedGains, 1, permutedDeciding, permutedQ);

        Assert.Contains(q, p => p is > 0.01 and < 0.99);
        for (var i = 0; i < Links; i++)
        {
            Assert.Equal(q[permutation[i]], permutedQ[i], 12);
        }
    }

    [Fact]
    public void Model_Depends_On_The_Shape_Of_The_Channel_Not_Its_Scale()
    {
        const int Links = 6;
        var weights = SelGnnWeights.From(TestArtifacts.Random(_temp.Combine("sel"), TestArtifacts.SelManifest(), seed: 5));
        var gains = Gains(FixedConfiguration.Links(Links, seed: 4));
        var deciding = Enumerable.Repeat(true, Links).ToArray();
        var q = new double[Links];
        var scaled = new double[Links];
        var model = new SelGnnModel(weights);

        // Gains x 4 with noise x 4: the same SNRs and the same normalized shift, so the same output.
        model.Run(Links, gains, 1, deciding, q);
        model.Run(Links, [.. gains.Select(g => g * 4)], 4, deciding, scaled);
        Assert.Equal(q, scaled, (a, b) => Math.Abs(a - b) < 1e-12);

        // A non-finite gain is refused before it reaches the model.
        gains[3] = double.NaN;
        Assert.Throws<ArgumentException>(() => model.Run(Links, gains, 1, deciding, q));
    }

    [Fact]
    public void EvaluatorRun_AggGnnScenario_ValidDecisions_Deterministic_And_Resolved_By_Prefix()
    {
        TestArtifacts.Random(_temp.Combine("small-sel"), TestArtifacts.SelManifest(), seed: 3);
        TestArtifacts.Random(_temp.Combine("small-agg"), TestArtifacts.AggManifest(), seed: 3);
        var learned = new LearnedPolicies(_temp.Path);
        var provider = new CheckingProvider(learned);
        var scenario = ScenarioCatalog.Get("agg-gnn");
        var settings = scenario.Resolve([new("pairs", "10"), new("awake", "0.6")]);
        var request = new EvaluationRequest(scenario, settings, "sel-gnn:small-sel", Seed: 2, Configurations: 2, Slots: 30, provider);

        var first = Evaluator.Run(request);
        var second = Evaluator.Run(request with { Policies = learned });

        Assert.Empty(provider.Problems);
        Assert.Equal(2 * 30, provider.Decisions);
        Assert.True(provider.Transmitting > 0);
        Assert.Equal(first.Configurations.SelectMany(c => c.AverageRates), second.Configurations.SelectMany(c => c.AverageRates));
        Assert.Contains(learned.Policies, p => p.Name == "sel-gnn:small-sel");
        Assert.Contains("agg-gnn:small-agg", Assert.Throws<RadioInputException>(() => learned.Validate("sel-gnn:small-agg")).Message, StringComparison.Ordinal);
        Assert.Contains("sel-gnn:small-sel", Assert.Throws<RadioInputException>(() => learned.Validate("agg-gnn:small-sel")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_Draws_Only_For_Deciding_Links_And_Keeps_Asleep_Ones()
    {
        const int Links = 8;
        var weights = SelGnnWeights.From(TestArtifacts.Random(_temp.Combine("sel"), TestArtifacts.SelManifest(p0: 700), seed: 9));
        var policy = new SelGnnPolicy(weights, new SeededRandom(2));
        var configuration = FixedConfiguration.Links(Links, seed: 6);
        var decision = new SlotDecision(Links);
        var fairness = new ProportionalFairSelector(Links, Links);
        var previous = new double[Links];
        for (var slot = 0; slot < 20; slot++)
        {
            var awakeRandom = new SeededRandom((ulong)(100 + slot));
            for (var i = 0; i < Links; i++)
            {
                configuration.Awake[i] = awakeRandom.NextBernoulli(0.5);
                configuration.Active[i] = i != 0;
            }

            policy.Decide(configuration, fairness, decision);
            for (var i = 0; i < Links; i++)
            {
                Assert.Contains(decision.Power[i], new[] { 0.0, 700 });
                Assert.Equal(decision.Power[i] > 0 ? i : -1, decision.ServedReceiver[i]);
                if (i == 0)
                {
                    Assert.Equal(0, decision.Power[i]);
                }
                else if (!configuration.Awake[i])
                {
                    Assert.Equal(previous[i], decision.Power[i]);
                    Assert.Equal(0, policy.Probability[i]);
                }
            }

            decision.Power.AsSpan(0, Links).CopyTo(previous);
        }
    }

    private static double[] Gains(NetworkConfiguration configuration)
    {
        var links = configuration.Transmitters;
        var gains = new double[links * links];
        for (var i = 0; i < links; i++)
        {
            configuration.Gains.Row(i).CopyTo(gains.AsSpan(i * links, links));
        }

        return gains;
    }
}
