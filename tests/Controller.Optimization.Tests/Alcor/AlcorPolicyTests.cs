using Controller.Optimization.Alcor;
using Controller.Optimization.Policies;
using Controller.Radio.Allocation;
using Controller.Radio.Evaluation;
using Controller.Radio.Policies;
using Controller.Radio.Randomness;
using Controller.Radio.Scenarios;

namespace Controller.Optimization.Tests.Alcor;

public sealed class AlcorPolicyTests
{
    [Fact]
    public void Learn_DemandAboveItsFullReuseRate_TimeSharingMeetsIt()
    {
        // Link 1 needs 2 bps/Hz, 0.93 with both links on: it is met only by switching link 0 off part of the time.
        var configuration = new FixedChannelConfiguration(0, 2);
        var policy = AlcorPolicy.Create(new FullReuseAllocator(), AlcorSettings.Default, seed: 3, configurationIndex: 0);
        var driver = new SlotDriver(configuration, policy);

        driver.Run(2000);
        var rates = driver.Run(4000);

        Assert.InRange(rates[1], 1.9, 2.2);
        // Link 0 is on about 58 % of the time (0.58 x 0.93 + 0.42 x 3.46 = 2).
        Assert.InRange(rates[0], 0.3, 0.8);
    }

    [Fact]
    public void Learn_DemandsMetByEveryoneOn_LambdaStaysZero()
    {
        var configuration = new FixedChannelConfiguration(0.5, 0.5);
        var policy = AlcorPolicy.Create(new FullReuseAllocator(), AlcorSettings.Default, seed: 3, configurationIndex: 0);

        var rates = new SlotDriver(configuration, policy).Run(1000);

        Assert.All(policy.Users.ToArray(), u => Assert.Equal(0, u.Lambda));
        Assert.All(rates, r => Assert.Equal(FixedChannelConfiguration.SharedRate, r, 12));
    }

    [Fact]
    public void Decide_UserSwitchedOff_NeitherServedNorTransmitting()
    {
        var configuration = new FixedChannelConfiguration(0, 3);
        var policy = AlcorPolicy.Create(new FullReuseAllocator(), AlcorSettings.Default, seed: 5, configurationIndex: 0);
        var driver = new SlotDriver(configuration, policy);
        var offSlots = 0;
        for (var slot = 0; slot < 2000; slot++)
        {
            driver.Run(1);
            for (var link = 0; link < 2; link++)
            {
                if (!policy.SwitchedOn[link])
                {
                    offSlots++;
                    Assert.Equal(-1, driver.LastDecision.ServedReceiver[link]);
                    Assert.Equal(0, driver.LastDecision.Power[link]);
                }
            }
        }

        Assert.True(offSlots > 100, $"only {offSlots} slots with a link switched off");
    }

    [Fact]
    public void Learn_InfeasibleDemands_KeepsRunningWithGrowingFiniteLambda()
    {
        // Link 1 wants 10 bps/Hz; alone it gets 3.46.
        var configuration = new FixedChannelConfiguration(0, 10);
        var policy = AlcorPolicy.Create(new FullReuseAllocator(), AlcorSettings.Default, seed: 1, configurationIndex: 0);
        var driver = new SlotDriver(configuration, policy);

        driver.Run(2000);
        var lambdaEarly = policy.Users[1].Lambda;
        var rates = driver.Run(2000);

        Assert.True(policy.Users[1].Lambda > lambdaEarly, $"lambda {policy.Users[1].Lambda} after {lambdaEarly}");
        Assert.All(policy.Users.ToArray(), u => Assert.True(double.IsFinite(u.Lambda) && u.Kappa > 0 && u.Kappa <= 1));
        Assert.All(rates, r => Assert.True(double.IsFinite(r)));
        Assert.InRange(rates[1], 3.0, FixedChannelConfiguration.AloneRate);
    }

    [Fact]
    public void Evaluate_GaussianIcInfeasibleDemands_FiniteMetricsAndFullViolation()
    {
        var scenario = ScenarioCatalog.Get("gaussian-ic");
        var settings = scenario.Resolve([new("links", "3"), new("demands", "100")]);

        var result = Evaluator.Run(new EvaluationRequest(scenario, settings, "alcor(wmmse)", 1, 2, 1000, ControlPolicies.Provider));

        Assert.True(double.IsFinite(result.Metrics.SumRate) && result.Metrics.SumRate > 0);
        Assert.InRange(result.Metrics.ViolationPct!.Value, 90, 100);
    }

    [Fact]
    public void Learn_DemandChange_RestartsWithLambdaKeptAndMeetsTheNewDemand()
    {
        var configuration = new FixedChannelConfiguration(0, 2);
        var policy = AlcorPolicy.Create(new FullReuseAllocator(), AlcorSettings.Default, seed: 9, configurationIndex: 0);
        var driver = new SlotDriver(configuration, policy);
        driver.Run(3010);
        var lambdas = policy.Users.ToArray().Select(u => u.Lambda).ToArray();

        configuration.SetDemands(2, 0);
        driver.Run(1);

        Assert.Equal(lambdas, policy.Users.ToArray().Select(u => u.Lambda));
        Assert.All(policy.Users.ToArray(), u => Assert.Equal(0, u.Iteration));
        Assert.Equal([2.0, 0.0], policy.Users.ToArray().Select(u => u.Demand));

        driver.Run(2000);
        var rates = driver.Run(4000);
        Assert.InRange(rates[0], 1.9, 2.2);
    }

    [Fact]
    public void Run_SameSeed_SameDrawsAndDuals_OtherSeed_Different()
    {
        var (onFirst, lambdaFirst) = Trace(seed: 4);
        var (onSecond, lambdaSecond) = Trace(seed: 4);
        var (onOther, _) = Trace(seed: 5);

        Assert.Equal(onFirst, onSecond);
        Assert.Equal(lambdaFirst, lambdaSecond);
        Assert.NotEqual(onFirst, onOther);
    }

    [Fact]
    public void Create_DrawsFromAStreamApartFromRandomFullPowers()
    {
        // random-full-power uses the plain configuration index of the policy stream; ALCOR must not share it.
        var plain = SeededRandom.ForStream(7, RandomStreams.Policy, 0);
        var alcor = SeededRandom.ForStream(7, RandomStreams.Policy, AlcorPolicy.RandomStreamOffset);

        Assert.NotEqual(plain.NextUInt64(), alcor.NextUInt64());
    }

    private static (string On, double[] Lambdas) Trace(ulong seed)
    {
        var configuration = new FixedChannelConfiguration(0, 2);
        var policy = AlcorPolicy.Create(new FullReuseAllocator(), AlcorSettings.Default, seed, configurationIndex: 0);
        var driver = new SlotDriver(configuration, policy);
        var on = new System.Text.StringBuilder();
        for (var slot = 0; slot < 500; slot++)
        {
            driver.Run(1);
            on.Append(policy.SwitchedOn[0] ? '1' : '0');
        }

        return (on.ToString(), policy.Users.ToArray().Select(u => u.Lambda).ToArray());
    }
}
