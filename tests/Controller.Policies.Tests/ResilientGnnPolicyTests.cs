using Controller.Policies.Models;
using Controller.Radio.Allocation;
using Controller.Radio.Evaluation;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

namespace Controller.Policies.Tests;

public sealed class ResilientGnnPolicyTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void EvaluatorRun_ResilientRrm_EveryDecisionValid()
    {
        TestArtifacts.Random(_temp.Combine("small-gnn"), TestArtifacts.ResilientManifest(layers: 2, hidden: 16), seed: 3);
        var provider = new CheckingProvider(new LearnedPolicies(_temp.Path));
        var scenario = ScenarioCatalog.Get("resilient-rrm");
        var settings = scenario.Resolve([new("aps", "4"), new("users", "40"), new("warmup", "5")]);

        var result = Evaluator.Run(new EvaluationRequest(scenario, settings, "gnn:small-gnn", Seed: 1, Configurations: 3, Slots: 25, provider));

        Assert.Empty(provider.Problems);
        Assert.Equal(3 * 20, provider.Decisions);
        Assert.True(provider.Transmitting > 0);
        Assert.True(result.Metrics.MeanRate > 0, $"mean rate {result.Metrics.MeanRate}");
        Assert.InRange(result.Metrics.MeanPower, 1e-9, 4 * 10.0);
    }

    [Fact]
    public void Decide_WithEligibilityMask_NeverServesAnIneligibleUser()
    {
        var policy = new ResilientGnnPolicy(Weights());
        var configuration = FixedConfiguration.Cellular(4, 30, seed: 5);
        var fairness = new ProportionalFairSelector(30, 4);
        var eligible = Enumerable.Range(0, 30).Select(j => j % 3 != 0).ToArray();
        var decision = new SlotDecision(4);

        policy.Decide(configuration, fairness, decision, eligible);

        Assert.All(decision.ServedReceiver, j => Assert.True(j < 0 || eligible[j], $"user {j} is not eligible"));
        Assert.Contains(decision.ServedReceiver, j => j >= 0);
        Assert.All(Enumerable.Range(0, 30).Where(j => !eligible[j]), j => Assert.Equal(0, policy.Features[j]));
    }

    [Fact]
    public void EvaluatorRun_AlcorAroundGnn_EveryDecisionValid()
    {
        TestArtifacts.Random(_temp.Combine("small-gnn"), TestArtifacts.ResilientManifest(layers: 2, hidden: 16), seed: 3);
        var provider = new CheckingProvider(new Controller.Optimization.Policies.ControlPolicies(new LearnedPolicies(_temp.Path)));
        var scenario = ScenarioCatalog.Get("resilient-rrm");
        var settings = scenario.Resolve([new("aps", "4"), new("users", "40"), new("warmup", "5"), new("fmin", "0.2")]);

        var result = Evaluator.Run(new EvaluationRequest(scenario, settings, "alcor(gnn:small-gnn)", Seed: 1, Configurations: 2, Slots: 105, provider));

        Assert.Empty(provider.Problems);
        Assert.True(result.Metrics.MeanRate > 0);
    }

    [Fact]
    public void Decide_FeaturesAreLog1pOfTheProportionalFairRatio()
    {
        var policy = new ResilientGnnPolicy(Weights());
        var configuration = FixedConfiguration.Cellular(4, 30, seed: 2, activity: 0.7);
        var fairness = new ProportionalFairSelector(30, 4);
        var averages = Enumerable.Range(0, 30).Select(j => j % 5 == 0 ? 0 : 0.1 * j).ToArray();
        fairness.RestoreAverages(averages);

        policy.Decide(configuration, fairness, new SlotDecision(4));

        var constants = configuration.Constants;
        for (var j = 0; j < 30; j++)
        {
            var row = configuration.Gains.Row(j).ToArray();
            var own = configuration.ServingTransmitter[j];
            var fullPowerRate = Math.Log2(1 + (constants.MaxPower * row[own] / (constants.Noise + (constants.MaxPower * (row.Sum() - row[own])))));
            var expected = configuration.Active[j] ? Math.Log(1 + (fullPowerRate / Math.Max(averages[j], 1e-9))) : 0;
            Assert.Equal(expected, policy.Features[j], 1e-9);
        }
    }

    [Fact]
    public void Decide_EachCellServesItsActiveUserWithTheLargestSelectionAtTheHeadsPower()
    {
        var policy = new ResilientGnnPolicy(Weights());
        var configuration = FixedConfiguration.Cellular(5, 40, seed: 4, activity: 0.5);
        for (var j = 0; j < 40; j++)
        {
            configuration.Active[j] &= configuration.ServingTransmitter[j] != 3;
        }

        var decision = new SlotDecision(5);
        policy.Decide(configuration, new ProportionalFairSelector(40, 5), decision);

        var selection = policy.Model.Selection.ToArray();
        for (var cell = 0; cell < 5; cell++)
        {
            var candidates = Enumerable.Range(0, 40).Where(j => configuration.ServingTransmitter[j] == cell && configuration.Active[j]).ToArray();
            if (candidates.Length == 0)
            {
                Assert.Equal(-1, decision.ServedReceiver[cell]);
                Assert.Equal(0, decision.Power[cell]);
                continue;
            }

            var best = candidates.MaxBy(j => selection[j]);
            Assert.Equal(best, decision.ServedReceiver[cell]);
            Assert.Equal(policy.Model.Power[cell], decision.Power[cell]);
            Assert.InRange(decision.Power[cell], 0, configuration.Constants.MaxPower);
        }

        Assert.Equal(-1, decision.ServedReceiver[3]);
    }

    [Fact]
    public void Apply_TiedSelection_ServesTheLowestIndex()
    {
        var decision = new SlotDecision(2);

        ResilientGnnPolicy.Apply([0.5, 0.25, 0.5, 0.25, 1.0], [3, 20], [0, 0, 0, 0, 1], [true, true, true, true, true], maxPower: 10, decision);

        Assert.Equal([0, 4], decision.ServedReceiver);
        Assert.Equal([3.0, 10.0], decision.Power);
    }

    [Fact]
    public void Decide_AfterWarmUp_AllocatesNothing()
    {
        var policy = new ResilientGnnPolicy(Weights(hidden: 64));
        var configuration = FixedConfiguration.Cellular(10, 100, seed: 5, activity: 0.9);
        var fairness = new ProportionalFairSelector(100, 10);
        var decision = new SlotDecision(10);
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

    private ResilientGnnWeights Weights(int hidden = 16)
        => ResilientGnnWeights.From(TestArtifacts.Random(_temp.Combine($"gnn-{hidden}"), TestArtifacts.ResilientManifest(2, hidden), seed: 11));
}
