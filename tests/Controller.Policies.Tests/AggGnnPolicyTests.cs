using Controller.Optimization.Aggregation;
using Controller.Policies.Models;
using Controller.Radio;
using Controller.Radio.Allocation;
using Controller.Radio.Evaluation;
using Controller.Radio.Graphs;
using Controller.Radio.Policies;
using Controller.Radio.Randomness;
using Controller.Radio.Scenarios;

namespace Controller.Policies.Tests;

public sealed class AggGnnPolicyTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("agg-gnn", "pairs=12")]
    [InlineData("gaussian-ic", "links=10;activity=0.6")]
    public void EvaluatorRun_OneToOneScenarios_EveryDecisionValid(string scenarioName, string overrides)
    {
        TestArtifacts.Random(_temp.Combine("small-agg"), TestArtifacts.AggManifest(length: 5, layers: 3, filter: 4), seed: 3);
        var provider = new CheckingProvider(new LearnedPolicies(_temp.Path));
        var scenario = ScenarioCatalog.Get(scenarioName);
        var settings = scenario.Resolve(overrides.Split(';').Select(o => new KeyValuePair<string, string>(o.Split('=')[0], o.Split('=')[1])));

        var result = Evaluator.Run(new EvaluationRequest(scenario, settings, "agg-gnn:small-agg,eta0=0.001", Seed: 1, Configurations: 3, Slots: 30, provider));

        Assert.Empty(provider.Problems);
        Assert.Equal(3 * 30, provider.Decisions);
        Assert.True(provider.Transmitting > 0);
        Assert.True(result.Metrics.MeanRate > 0);
    }

    [Fact]
    public void EvaluatorRun_SameSeed_SameResult()
    {
        TestArtifacts.Random(_temp.Combine("small-agg"), TestArtifacts.AggManifest(), seed: 3);
        var provider = new LearnedPolicies(_temp.Path);
        var scenario = ScenarioCatalog.Get("agg-gnn");
        var settings = scenario.Resolve([new("pairs", "10")]);
        var request = new EvaluationRequest(scenario, settings, "agg-gnn:small-agg", Seed: 4, Configurations: 2, Slots: 40, provider);

        var first = Evaluator.Run(request);
        var second = Evaluator.Run(request);
        var otherSeed = Evaluator.Run(request with { Seed = 5 });

        Assert.Equal(first.Configurations.SelectMany(c => c.AverageRates), second.Configurations.SelectMany(c => c.AverageRates));
        Assert.NotEqual(first.Configurations.SelectMany(c => c.AverageRates), otherSeed.Configurations.SelectMany(c => c.AverageRates));
    }

    [Fact]
    public void Decide_RandomChannelsAndActivity_SequencesEqualAggregationNetworkAndProbabilitiesTheModels()
    {
        const int Links = 9;
        const double Eta0 = 0.05;
        var weights = Weights(length: 4);
        var policy = new AggGnnPolicy(weights, Eta0, new SeededRandom(1));
        var network = new AggregationNetwork(Links, 4);
        var model = new AggGnnModel(weights);
        var configuration = FixedConfiguration.Links(Links, seed: 2);
        var random = new SeededRandom(3);
        var decision = new SlotDecision(Links);
        var states = new double[Links];
        for (var slot = 0; slot < 25; slot++)
        {
            configuration.Randomize(random, activity: 0.7, links: true);
            policy.Decide(configuration, new ProportionalFairSelector(Links, Links), decision);
            for (var i = 0; i < Links; i++)
            {
                states[i] = Math.Log2(1 + (weights.Hyperparameters.P0 * configuration.Gains[i, i] / configuration.Constants.Noise));
            }

            network.Advance(InterferenceGraph.ForAggregation(configuration.Gains, Eta0), configuration.Active, states);
            for (var i = 0; i < Links; i++)
            {
                Assert.Equal(network.Nodes[i].Sequence.ToArray(), policy.Nodes[i].Sequence.ToArray());
                if (!configuration.Active[i])
                {
                    Assert.Equal(-1, decision.ServedReceiver[i]);
                    Assert.Equal(0, decision.Power[i]);
                    continue;
                }

                var q = new double[1];
                model.Run(network.Nodes[i].Sequence, q);
                Assert.Equal(q[0], policy.Probability[i]);
                Assert.Equal(decision.Power[i] > 0 ? i : -1, decision.ServedReceiver[i]);
                Assert.True(decision.Power[i] is 0 or 1000, $"power {decision.Power[i]}");
            }
        }
    }

    [Fact]
    public void Decide_AsleepNodes_SendNothingAndKeepTheirLastPower()
    {
        const int Links = 9;
        const double Eta0 = 0.05;
        var weights = Weights(length: 4);
        var policy = new AggGnnPolicy(weights, Eta0, new SeededRandom(1));
        var network = new AggregationNetwork(Links, 4);
        var configuration = FixedConfiguration.Links(Links, seed: 2);
        var random = new SeededRandom(3);
        var decision = new SlotDecision(Links);
        var states = new double[Links];
        var deciding = new bool[Links];
        var last = new double[Links];
        var held = 0;
        for (var slot = 0; slot < 40; slot++)
        {
            configuration.Randomize(random, activity: 0.9, links: true);
            for (var i = 0; i < Links; i++)
            {
                configuration.Awake[i] = random.NextBernoulli(0.5);
                deciding[i] = configuration.Active[i] && configuration.Awake[i];
                states[i] = Math.Log2(1 + (weights.Hyperparameters.P0 * configuration.Gains[i, i] / configuration.Constants.Noise));
            }

            policy.Decide(configuration, new ProportionalFairSelector(Links, Links), decision);

            // Paper 004's A(t): only awake (and active) nodes observe, send and decide.
            network.Advance(InterferenceGraph.ForAggregation(configuration.Gains, Eta0), deciding, states);
            for (var i = 0; i < Links; i++)
            {
                Assert.Equal(network.Nodes[i].Sequence.ToArray(), policy.Nodes[i].Sequence.ToArray());
                if (!configuration.Active[i])
                {
                    Assert.Equal(0, decision.Power[i]);
                }
                else if (!configuration.Awake[i])
                {
                    Assert.Equal(last[i], decision.Power[i]);
                    Assert.Equal(0, policy.Probability[i]);
                    held += last[i] > 0 ? 1 : 0;
                }

                Assert.Equal(decision.Power[i] > 0 ? i : -1, decision.ServedReceiver[i]);
                last[i] = decision.Power[i];
            }
        }

        Assert.True(held > 10, $"only {held} asleep links held a positive power");
    }

    [Fact]
    public void Decide_OnFractionFollowsProbability()
    {
        const int Links = 20;
        var policy = new AggGnnPolicy(Weights(length: 3), edgeThreshold: 0, new SeededRandom(9));
        var configuration = FixedConfiguration.Links(Links, seed: 4);
        var decision = new SlotDecision(Links);
        double expectedOn = 0;
        double on = 0;
        for (var slot = 0; slot < 400; slot++)
        {
            policy.Decide(configuration, new ProportionalFairSelector(Links, Links), decision);
            foreach (var q in policy.Probability)
            {
                expectedOn += q;
            }

            on += decision.Power.Count(p => p > 0);
        }

        // 8,000 Bernoulli draws: the count's standard deviation is below 45.
        Assert.InRange(on, expectedOn - 250, expectedOn + 250);
    }

    [Fact]
    public void Decide_CellularConfiguration_Rejected()
    {
        var policy = new AggGnnPolicy(Weights(length: 3), 0, new SeededRandom(1));
        var configuration = FixedConfiguration.Cellular(3, 9, seed: 1);

        var error = Assert.Throws<RadioInputException>(() => policy.Decide(configuration, new ProportionalFairSelector(9, 3), new SlotDecision(3)));

        Assert.StartsWith("Agg-GNN policies decide for one-to-one links", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_AfterWarmUp_AllocatesNothing()
    {
        const int Links = 50;
        var policy = new AggGnnPolicy(Weights(length: 5), 0.01, new SeededRandom(1));
        var configuration = FixedConfiguration.Links(Links, seed: 5, activity: 0.8);
        var fairness = new ProportionalFairSelector(Links, Links);
        var decision = new SlotDecision(Links);
        for (var i = 0; i < 50; i++)
        {
            policy.Decide(configuration, fairness, decision);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            policy.Decide(configuration, fairness, decision);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private AggGnnWeights Weights(int length)
        => AggGnnWeights.From(TestArtifacts.Random(_temp.Combine($"agg-{length}"), TestArtifacts.AggManifest(length: length, layers: 3, filter: 3), seed: 17));
}
