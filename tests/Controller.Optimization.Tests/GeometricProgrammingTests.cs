using Controller.Optimization.Gp;
using Controller.Optimization.Policies;
using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

namespace Controller.Optimization.Tests;

public sealed class GeometricProgrammingTests
{
    private static readonly bool[] Both = [true, true];

    [Fact]
    public void Feasible_Two_Users_Get_The_Hand_Computed_Least_Powers_And_A_Solution_Meeting_Both_Demands()
    {
        // G = [[1, 0.1], [0.1, 1]], noise 0.1, demands 1 bps/Hz (SINR 1): F = [[0, 0.1], [0.1, 0]], radius 0.1,
        // v = (0.1, 0.1), p* = v / (1 - 0.1) = 1/9 each.
        double[] gains = [1, 0.1, 0.1, 1];
        double[] demands = [1, 1];

        var check = GeometricProgramming.Check(gains, 2, Both, demands, 0.1, 1);

        Assert.True(check.Feasible, check.Reason);
        Assert.Equal(0.1, check.SpectralRadius, 9);
        Assert.Equal(1.0 / 9, check.MinimumPower[0], 9);
        Assert.Equal(1.0 / 9, check.MinimumPower[1], 9);
        var power = new double[2];
        Assert.True(GeometricProgramming.Solve(gains, 2, Both, demands, 0.1, 1, check, power));
        Assert.True(GeometricProgramming.Meets(gains, 2, Both, demands, 0.1, power, out var sumRate));
        Assert.All(power, p => Assert.InRange(p, 0, 1));
        // Better than the least powers (2 bps/Hz): both at Pmax give 2 log2(1 + 1 / 0.2) = 5.17.
        Assert.True(sumRate > 5, $"sum rate {sumRate}");
    }

    [Fact]
    public void Strong_Interference_Is_Infeasible_By_The_Spectral_Radius()
    {
        // F = [[0, 2], [2, 0]] for SINR targets 1: radius 2.
        double[] gains = [1, 2, 2, 1];

        var check = GeometricProgramming.Check(gains, 2, Both, [1, 1], 0.1, 1);

        Assert.False(check.Feasible);
        Assert.Equal(2, check.SpectralRadius, 9);
        Assert.Contains("spectral radius", check.Reason, StringComparison.Ordinal);
        var power = new double[] { 5, 5 };
        Assert.False(GeometricProgramming.Solve(gains, 2, Both, [1, 1], 0.1, 1, check, power));
        Assert.Equal([0.0, 0.0], power);
    }

    [Fact]
    public void A_Demand_Needing_More_Than_Pmax_Is_Infeasible_Even_Without_Interference()
    {
        // No interference, noise 1: 3 bps/Hz needs SINR 7, so p = 7 > Pmax = 1.
        var check = GeometricProgramming.Check([1, 0, 0, 1], 2, Both, [3, 0], 1, 1);

        Assert.False(check.Feasible);
        Assert.Equal(0, check.SpectralRadius);
        Assert.Equal(7, check.MinimumPower[0], 9);
        Assert.Contains("above Pmax", check.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Spectral_Radius_Of_Known_Matrices()
    {
        Assert.Equal(1, GeometricProgramming.SpectralRadius([0, 2, 0.5, 0], 2), 9);
        Assert.Equal(0.6, GeometricProgramming.SpectralRadius([0, 0.3, 0.3, 0.3, 0, 0.3, 0.3, 0.3, 0], 3), 9);
    }

    [Fact]
    public void Gp_Policy_Meets_Every_Demand_In_Feasible_Slots_And_Counts_The_Others()
    {
        const int Links = 5;
        var scenario = ScenarioCatalog.Get("gaussian-ic");
        var configuration = scenario.CreateConfiguration(scenario.Resolve([new("links", "5"), new("demands", "0.5,0.5,0,0,0")]), 2, 0);
        var policy = (GpPolicy)ControlPolicies.Provider.Create("gp", 2, 0);
        var decision = new SlotDecision(Links);
        var rates = new double[Links];
        for (var slot = 0; slot < 40; slot++)
        {
            configuration.Advance();
            policy.Decide(configuration, new ProportionalFairSelector(Links, Links), decision);
            Sinr.ComputeRates(configuration.Gains, decision.ServedReceiver, decision.Power, configuration.Constants.Noise, rates);
            if (policy.LastCheck!.Feasible)
            {
                for (var i = 0; i < Links; i++)
                {
                    Assert.True(rates[i] >= configuration.Demands[i] - 1e-9, $"user {i}: rate {rates[i]} below {configuration.Demands[i]}");
                }
            }
            else
            {
                Assert.All(decision.Power, p => Assert.Equal(0, p));
                Assert.Contains("spectral radius", policy.LastCheck.Reason, StringComparison.Ordinal);
            }
        }

        Assert.Equal(40, policy.FeasibleSlots + policy.InfeasibleSlots);
        Assert.True(policy.FeasibleSlots > 0 && policy.InfeasibleSlots > 0, $"{policy.FeasibleSlots} feasible, {policy.InfeasibleSlots} not");
    }
}
