using Controller.Optimization.Resilient;
using Controller.Radio.Randomness;

namespace Controller.Optimization.Tests.Resilient;

public sealed class ResilientUserDualsTests
{
    private const double Precision = 1e-12;

    [Fact]
    public void Update_FullForm_MatchesHandComputedSteps()
    {
        var options = new ResilientDualOptions { RateStep = 0.5, SlackStep = 0.5, LambdaStep = 0.25, MuStep = 0.5, SlackCost = 0.01 };
        var duals = new ResilientUserDuals(minimumRate: 2, options);

        // x = 0 + 0.5 (1 + 0 - 0); z = 0; lambda = 0 + 0.25 (0.5 - 0.5); mu = 0 + 0.5 (2 - 0 - 0.5).
        duals.Update(0.5);
        AssertState(duals, rate: 0.5, slack: 0, lambda: 0, mu: 0.75);

        // x = 0.5 + 0.5 (1.75); z = 0.5 (0.75); lambda = 0.25 (1.375 - 0.5); mu = 0.75 + 0.5 (2 - 0.375 - 1.375).
        duals.Update(0.5);
        AssertState(duals, rate: 1.375, slack: 0.375, lambda: 0.21875, mu: 0.875);

        // x = 1.375 + 0.5 (1 + 0.875 - 0.21875); z = 0.375 + 0.5 (0.875 - 0.00375);
        // lambda = 0.21875 + 0.25 (2.203125 - 0.5); mu = 0.875 + 0.5 (2 - 0.810625 - 2.203125).
        duals.Update(0.5);
        AssertState(duals, rate: 2.203125, slack: 0.810625, lambda: 0.64453125, mu: 0.368125);
        Assert.Equal(3, duals.Updates);
    }

    [Fact]
    public void Update_SimplifiedForm_MatchesHandComputedSteps()
    {
        var duals = new ResilientUserDuals(minimumRate: 1, new ResilientDualOptions { Form = ResilientDualForm.Simplified });
        Assert.Equal(1, duals.Lambda);

        // x := 0.4; z = 0 + (0 - 0); mu = 0 + (1 - 0 - 0.4); lambda = 1 + mu.
        duals.Update(0.4);
        AssertState(duals, rate: 0.4, slack: 0, lambda: 1.6, mu: 0.6);

        // z = 0 + (0.6 - 0); mu = 0.6 + (1 - 0.6 - 0.4).
        duals.Update(0.4);
        AssertState(duals, rate: 0.4, slack: 0.6, lambda: 1.6, mu: 0.6);

        // z = 0.6 + (0.6 - 0.006); mu = 0.6 + (1 - 1.194 - 0.4).
        duals.Update(0.4);
        AssertState(duals, rate: 0.4, slack: 1.194, lambda: 1.006, mu: 0.006);
    }

    [Theory]
    [InlineData(ResilientDualForm.Full)]
    [InlineData(ResilientDualForm.Simplified)]
    public void Update_UserBelowMinimumRate_AccumulatesMuAndSlack(ResilientDualForm form)
    {
        var duals = new ResilientUserDuals(minimumRate: 1, new ResilientDualOptions { Form = form });

        for (var k = 0; k < 3000; k++)
        {
            duals.Update(0.4);
        }

        // Stationary point: the slack covers the shortfall, z = f_min - f, and mu = alpha z (the full
        // form gets there more slowly: its x and lambda still ring).
        Assert.Equal(0.6, duals.Slack, 1e-3);
        Assert.Equal(0.006, duals.Mu, 2e-4);
        Assert.Equal(1.006, duals.Lambda, 1e-3);
    }

    [Fact]
    public void Update_SimplifiedUserAboveMinimumRate_KeepsMuAtZero()
    {
        var duals = new ResilientUserDuals(minimumRate: 1, new ResilientDualOptions { Form = ResilientDualForm.Simplified });

        for (var k = 0; k < 500; k++)
        {
            duals.Update(1.5 + (0.5 * Math.Sin(k)));
            Assert.Equal(0, duals.Mu);
            Assert.Equal(0, duals.Slack);
            Assert.Equal(1, duals.Lambda);
        }
    }

    [Fact]
    public void Update_FullUserAboveMinimumRate_MuReturnsToZeroAndStays()
    {
        // Full form starts from x = 0, below f_min, so mu may rise for a few steps before x catches up.
        var duals = new ResilientUserDuals(minimumRate: 1, new ResilientDualOptions { RateStep = 0.1, SlackStep = 0.1, LambdaStep = 0.1, MuStep = 0.1 });

        for (var k = 0; k < 2000; k++)
        {
            duals.Update(3);
            if (k >= 1000)
            {
                Assert.Equal(0, duals.Mu);
            }
        }

        Assert.True(duals.Slack < 0.1, $"slack {duals.Slack} should decay once mu is 0");
    }

    [Theory]
    [InlineData(ResilientDualForm.Full)]
    [InlineData(ResilientDualForm.Simplified)]
    public void Update_AnyRateSequence_NothingGoesNegative(ResilientDualForm form)
    {
        var random = new SeededRandom(7);
        var duals = new ResilientUserDuals(minimumRate: 1, new ResilientDualOptions { Form = form });

        for (var k = 0; k < 5000; k++)
        {
            duals.Update(random.NextDouble(0, 3));
            Assert.True(duals.Lambda >= 0 && duals.Mu >= 0 && duals.Slack >= 0 && duals.Rate >= 0, $"negative at update {k}");
        }
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-0.1)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Update_InvalidRate_Throws(double rate)
    {
        var duals = new ResilientUserDuals(minimumRate: 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => duals.Update(rate));
        Assert.Equal(0, duals.Updates);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-1)]
    public void Constructor_InvalidMinimumRate_Throws(double minimumRate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResilientUserDuals(minimumRate));
    }

    [Fact]
    public void Constructor_NonPositiveStep_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ResilientUserDuals(1, new ResilientDualOptions { MuStep = 0 }));

        Assert.Equal(nameof(ResilientDualOptions.MuStep), error.ParamName);
    }

    [Fact]
    public void Constructor_Defaults_StartAtZeroWithPaperConstants()
    {
        var duals = new ResilientUserDuals(1);

        AssertState(duals, rate: 0, slack: 0, lambda: 0, mu: 0);
        Assert.Equal(1e-2, duals.Options.SlackCost);
        Assert.Equal(ResilientDualForm.Full, duals.Options.Form);
    }

    private static void AssertState(ResilientUserDuals duals, double rate, double slack, double lambda, double mu)
    {
        Assert.Equal(rate, duals.Rate, Precision);
        Assert.Equal(slack, duals.Slack, Precision);
        Assert.Equal(lambda, duals.Lambda, Precision);
        Assert.Equal(mu, duals.Mu, Precision);
    }
}
