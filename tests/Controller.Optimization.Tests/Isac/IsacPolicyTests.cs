using Controller.Optimization.Isac;
using Controller.Optimization.Policies;
using Controller.Radio;
using Controller.Radio.Allocation;
using Controller.Radio.Isac;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

namespace Controller.Optimization.Tests.Isac;

public sealed class IsacPolicyTests
{
    private static IsacScenario.IsacConfiguration Configuration(params KeyValuePair<string, string>[] settings)
    {
        var scenario = new IsacScenario();
        var configuration = (IsacScenario.IsacConfiguration)scenario.CreateConfiguration(scenario.Resolve(settings), 3, 0);
        configuration.Advance();
        return configuration;
    }

    private static (IsacSolution Solution, SlotDecision Decision) Decide(IsacPolicy policy, NetworkConfiguration configuration)
    {
        var decision = new SlotDecision(configuration.Transmitters);
        policy.Decide(configuration, new ProportionalFairSelector(configuration.Receivers, configuration.Transmitters), decision);
        return (policy.Last!, decision);
    }

    [Fact]
    public void Decide_SecondSlot_StartsFromTheFirstSlotsDesign()
    {
        var configuration = Configuration();
        var policy = (IsacPolicy)ControlPolicies.Provider.Create("isac-robust:3", 1, 0);

        var (first, decision) = Decide(policy, configuration);
        Assert.Equal(configuration.Network.InitialBeams(), policy.LastStart);
        Assert.Equal(0, policy.WarmStarts);
        Assert.Same(first.Beams, decision.Beams);
        configuration.Advance();
        Decide(policy, configuration);

        Assert.Equal(1, policy.WarmStarts);
        Assert.Same(first.Beams, policy.LastStart);
        Assert.NotEqual(configuration.Network.InitialBeams(), policy.LastStart);
    }

    [Fact]
    public void Decide_FillsPowerFieldsWithinBudgetsAndBeams()
    {
        var configuration = Configuration();
        var policy = IsacPolicy.TryCreate("isac-nonrobust:2")!;

        var (solution, decision) = Decide(policy, configuration);

        Assert.False(policy.Robust);
        Assert.Equal(configuration.Network.BeamLength, decision.Beams!.Length);
        for (var l = 0; l < configuration.Transmitters; l++)
        {
            Assert.Equal(l, decision.ServedReceiver[l]);
            Assert.InRange(decision.Power[l], 0, configuration.Constants.MaxPower);
            Assert.Equal(configuration.Network.Power(solution.Beams, l), decision.Power[l], 1e-9 * configuration.Constants.MaxPower);
        }
    }

    [Fact]
    public void CommunicationWeight_TowardCommunication_RaisesWsrAndCrlbOnAFixedInstance()
    {
        // One slot's instance held fixed (no Advance): loops at a sensing-leaning weight, then at a communication-leaning one.
        var configuration = Configuration();
        var policy = IsacPolicy.TryCreate("isac-nonrobust:10")!;
        policy.CommunicationWeight = 0.1;
        IsacSolution sensing = null!;
        for (var loop = 0; loop < 4; loop++)
        {
            sensing = Decide(policy, configuration).Solution;
        }

        policy.CommunicationWeight = 0.9;
        IsacSolution communication = null!;
        for (var loop = 0; loop < 4; loop++)
        {
            communication = Decide(policy, configuration).Solution;
        }

        Assert.True(communication.NominalWsr > sensing.NominalWsr, $"WSR {communication.NominalWsr} at weight 0.9, {sensing.NominalWsr} at 0.1");
        Assert.True(communication.Crlb > sensing.Crlb, $"CRLB {communication.Crlb} at weight 0.9, {sensing.Crlb} at 0.1");
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.PositiveInfinity)]
    public void CommunicationWeight_OutOfRange_RefusedAndKept(double weight)
    {
        var policy = IsacPolicy.TryCreate("isac-robust")!;
        policy.CommunicationWeight = 0.3;

        var error = Assert.Throws<RadioInputException>(() => policy.CommunicationWeight = weight);

        Assert.Contains("[0, 1]", error.Message, StringComparison.Ordinal);
        Assert.Equal(0.3, policy.CommunicationWeight);
    }

    [Theory]
    [InlineData("isac-robust:x", "iteration budget per slot in [0, 1000]")]
    [InlineData("isac-robust:-1", "iteration budget per slot in [0, 1000]")]
    [InlineData("isac-nonrobust:1001", "iteration budget per slot in [0, 1000]")]
    [InlineData("isac-nonrobust:1:2:3", "iteration budget per slot in [0, 1000]")]
    [InlineData("isac-robust:5:1.5", "communication weight in [0, 1]")]
    [InlineData("isac-robust:5:NaN", "communication weight in [0, 1]")]
    [InlineData("isac-robust:5:", "communication weight in [0, 1]")]
    public void Create_BadArguments_SayWhy(string spec, string reason)
    {
        var error = Assert.Throws<RadioInputException>(() => ControlPolicies.Provider.Validate(spec));
        Assert.Contains($"Policy '{spec}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_WithWeight_StartsAtThatTradeOff()
    {
        var policy = (IsacPolicy)ControlPolicies.Provider.Create("isac-robust:7:0.8", 1, 0);
        Assert.Equal(7, policy.Iterations);
        Assert.Equal(0.8, policy.CommunicationWeight);
        Assert.Equal(IsacPolicy.DefaultCommunicationWeight, ((IsacPolicy)ControlPolicies.Provider.Create("isac-nonrobust", 1, 0)).CommunicationWeight);
    }

    [Fact]
    public void Decide_OnAGainMatrixOnlyScenario_SaysItNeedsTheIsacModel()
    {
        var scenario = ScenarioCatalog.Get("resilient-rrm");
        var configuration = scenario.CreateConfiguration(scenario.Resolve([]), 1, 0);
        configuration.Advance();

        var error = Assert.Throws<RadioInputException>(() => Decide(IsacPolicy.TryCreate("isac-robust")!, configuration));
        Assert.Contains("'isac' scenario", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every2_HoldsTheDesignBetweenDecisions()
    {
        var configuration = Configuration();
        var policy = ControlPolicies.Provider.Create("every:2(isac-nonrobust:1)", 1, 0);
        var decision = new SlotDecision(configuration.Transmitters);
        var fairness = new ProportionalFairSelector(configuration.Receivers, configuration.Transmitters);

        policy.Decide(configuration, fairness, decision);
        var first = decision.Beams;
        decision.Beams = null;
        configuration.Advance();
        policy.Decide(configuration, fairness, decision);

        Assert.NotNull(first);
        Assert.Same(first, decision.Beams);
    }

    [Fact]
    public void Policies_ListBothIsacPolicies()
    {
        var names = ControlPolicies.Provider.Policies.Select(p => p.Name).ToList();
        Assert.Contains("isac-robust", names);
        Assert.Contains("isac-nonrobust", names);
    }
}
