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
    [InlineData("isac-robust:autox", "or 'auto' (adapted to the loop period)")]
    [InlineData("isac-robust:AUTO", "or 'auto' (adapted to the loop period)")]
    [InlineData("isac-robust:auto:2", "communication weight in [0, 1]")]
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

    [Theory]
    [InlineData("isac-robust:4", true)]
    [InlineData("isac-nonrobust:3:0.7", false)]
    public void Decide_ExplicitIterations_GiveTheSolversBeamsWhateverThePeriod(string spec, bool robust)
    {
        // An explicit I is what it was before the adaptive budget: BoblrbfSolver.Solve with I iterations, 10 worst-case
        // steps, two threads, warm-started from the last design, here over three slots whose loops a region reports as
        // far over their period, which must not change anything.
        var policy = (IsacPolicy)ControlPolicies.Provider.Create(spec, 1, 0);
        var configuration = Configuration();
        var options = new BoblrbfOptions { MaxIterations = policy.Iterations, WorstCaseIterations = 10, MaxDegreeOfParallelism = 2 };
        var eps = robust ? configuration.RelativeError : 0;
        var beams = configuration.Network.InitialBeams();
        for (var slot = 0; slot < 3; slot++)
        {
            if (slot > 0)
            {
                configuration.Advance();
            }

            var (solution, decision) = Decide(policy, configuration);
            var expected = BoblrbfSolver.Solve(configuration.Network, eps, policy.CommunicationWeight, options, beams);
            Assert.Equal(expected.Beams, decision.Beams);
            Assert.Equal(expected.Crlb, solution.Crlb);
            Assert.False(policy.Adaptive);
            Assert.Equal(options.MaxIterations, policy.LastIterationBudget);
            policy.EndLoop(responseMs: 1000, periodMs: 10);
            beams = expected.Beams;
        }
    }

    [Fact]
    public void Decide_AdaptiveWithoutLoopReports_RunsTheDefaultIterationsAsAFixedBudgetDoes()
    {
        // controller eval reports no loops: the adaptive policy then decides as isac-robust:10, so eval stays reproducible.
        var adaptive = (IsacPolicy)ControlPolicies.Provider.Create("isac-robust", 1, 0);
        var fixedTen = (IsacPolicy)ControlPolicies.Provider.Create($"isac-robust:{IsacPolicy.DefaultIterations}", 1, 0);
        var configuration = Configuration();
        for (var slot = 0; slot < 2; slot++)
        {
            if (slot > 0)
            {
                configuration.Advance();
            }

            Assert.Equal(Decide(fixedTen, configuration).Decision.Beams, Decide(adaptive, configuration).Decision.Beams);
            Assert.Equal(IsacPolicy.DefaultIterations, adaptive.LastIterationBudget);
        }

        Assert.True(adaptive.Adaptive);
        Assert.Equal(IsacIterationBudget.DefaultCap, adaptive.IterationCap);
    }

    [Theory]
    [InlineData(20.0, -1)]
    [InlineData(1000.0, 1)]
    public void EndLoop_FeedsTheLoopsResponseTimeToTheBudget(double periodMs, int direction)
    {
        // Every loop ends 30 ms after its boundary: over half of a 20 ms period the budget goes down, under half of a
        // 1 s period it goes up, and it stays within [1, cap].
        var policy = IsacPolicy.TryCreate("isac-nonrobust:auto:0.3")!;
        var configuration = Configuration();
        var budgets = new List<int>();
        for (var slot = 0; slot < 4; slot++)
        {
            if (slot > 0)
            {
                configuration.Advance();
            }

            Decide(policy, configuration);
            budgets.Add(policy.LastIterationBudget);
            policy.EndLoop(responseMs: 30, periodMs);
            Assert.Equal(30, policy.LastResponseMs);
        }

        Assert.Equal(0.3, policy.CommunicationWeight);
        Assert.Equal(IsacPolicy.DefaultIterations, budgets[0]);
        for (var slot = 1; slot < budgets.Count; slot++)
        {
            Assert.True(Math.Sign(budgets[slot] - budgets[slot - 1]) == direction || budgets[slot] is IsacIterationBudget.Minimum or IsacIterationBudget.DefaultCap, string.Join(", ", budgets));
        }

        Assert.All(budgets, b => Assert.InRange(b, IsacIterationBudget.Minimum, IsacIterationBudget.DefaultCap));
    }

    [Fact]
    public void EndLoop_WithoutADecisionSince_ChangesNothing()
    {
        // A loop that failed before deciding reports too; only a decided slot may move the budget, and only once.
        var policy = IsacPolicy.TryCreate("isac-robust")!;
        policy.EndLoop(responseMs: 500, periodMs: 100);
        Assert.Equal(IsacPolicy.DefaultIterations, policy.Iterations);

        Decide(policy, Configuration());
        policy.EndLoop(responseMs: 500, periodMs: 100);
        var after = policy.Iterations;
        policy.EndLoop(responseMs: 500, periodMs: 100);

        Assert.True(after < IsacPolicy.DefaultIterations, $"{after}");
        Assert.Equal(after, policy.Iterations);
    }

    [Theory]
    [InlineData(10.0, 0.0)]
    [InlineData(10.0, double.NaN)]
    [InlineData(-1.0, 100.0)]
    [InlineData(double.PositiveInfinity, 100.0)]
    public void EndLoop_BadTimes_Refused(double responseMs, double periodMs)
    {
        var policy = IsacPolicy.TryCreate("isac-robust")!;
        Decide(policy, Configuration());
        Assert.Throws<ArgumentOutOfRangeException>(() => policy.EndLoop(responseMs, periodMs));
        Assert.Equal(IsacPolicy.DefaultIterations, policy.Iterations);
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
