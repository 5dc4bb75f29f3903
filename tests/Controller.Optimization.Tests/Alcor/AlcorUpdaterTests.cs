using Controller.Optimization.Alcor;

namespace Controller.Optimization.Tests.Alcor;

public sealed class AlcorUpdaterTests
{
    private const double Alpha = 0.9;
    private const double Gamma = 5;
    private static readonly AlcorSettings TwoSlotBatches = new() { Alpha = Alpha, Gamma = Gamma, BatchSlots = 2 };

    [Fact]
    public void Start_AlgorithmOneInitialValues()
    {
        var state = AlcorUpdater.Start(1.5);

        Assert.Equal(1.5, state.Demand);
        Assert.Equal(0, state.Lambda);
        Assert.Equal(0, state.LambdaBar);
        Assert.Equal(0, state.PreviousLambdaBar);
        Assert.Equal(0, state.Intermediate);
        Assert.Equal(1, state.Kappa);
        Assert.False(state.AwaitingSecondBatch);
        Assert.Equal(0, state.Iteration);
    }

    [Fact]
    public void ExtrapolateThenCorrect_TwoIterations_MatchHandComputedSteps()
    {
        var state = AlcorUpdater.Start(1);

        // k = 0, Fhat = 0.4: h1 = 0 + 0.9 * 5 * 0.4 + 0.1 * (0 - 0) = 1.8, lambda1 = 1.8.
        state = AlcorUpdater.Extrapolate(state, 0.4, Alpha, Gamma);
        Assert.Equal(1.8, state.Intermediate, 12);
        Assert.Equal(1.8, state.Lambda, 12);
        Assert.True(state.AwaitingSecondBatch);

        // Fbar = 0.2: lbar1 = 0 - 0.9 * (1.8 - 1.8 - 5 * 0.2) = 0.9.
        state = AlcorUpdater.Correct(state, 0.2, Alpha, Gamma);
        Assert.Equal(0.9, state.LambdaBar, 12);
        Assert.Equal(0, state.PreviousLambdaBar);
        Assert.Equal(1, state.Iteration);

        // k = 1, Fhat = -0.5: h2 = 0.9 - 2.25 + 0.1 * (1.8 - 0) = -1.17, lambda2 = 0.
        state = AlcorUpdater.Extrapolate(state, -0.5, Alpha, Gamma);
        Assert.Equal(-1.17, state.Intermediate, 12);
        Assert.Equal(0, state.Lambda);

        // Fbar = -0.1: lbar2 = 0.9 - 0.9 * (-1.17 - 0 + 0.5) = 1.503.
        state = AlcorUpdater.Correct(state, -0.1, Alpha, Gamma);
        Assert.Equal(1.503, state.LambdaBar, 12);
        Assert.Equal(0.9, state.PreviousLambdaBar, 12);
        Assert.Equal(2, state.Iteration);
    }

    [Fact]
    public void Extrapolate_EqualsThePrintedFormOfStepThree()
    {
        var state = new AlcorUserState { LambdaBar = 0.7, PreviousLambdaBar = 1.1, Intermediate = 2.3, Kappa = 1 };
        const double Estimate = 0.37;

        var next = AlcorUpdater.Extrapolate(state, Estimate, Alpha, Gamma);

        // Algorithm 1 as printed: lbar^k + gamma Fhat + (1 - alpha)(h^k - lbar^{k-1} - gamma Fhat).
        var printed = 0.7 + (Gamma * Estimate) + ((1 - Alpha) * (2.3 - 1.1 - (Gamma * Estimate)));
        Assert.Equal(printed, next.Intermediate, 12);
    }

    [Fact]
    public void AccumulateAndEndBatch_MeanShortfallDrivesBothSteps()
    {
        var state = AlcorUpdater.Start(1);

        // First batch: shortfalls 0.5 and 0.3, Fhat = 0.4.
        state = AlcorUpdater.Accumulate(state, 0.5);
        state = AlcorUpdater.Accumulate(state, 0.7);
        state = AlcorUpdater.EndBatch(state, TwoSlotBatches, out var firstComplete);
        Assert.False(firstComplete);
        Assert.Equal(1.8, state.Lambda, 12);
        Assert.Equal(0, state.BatchSlots);
        Assert.Equal(0, state.BatchShortfallSum);
        Assert.Equal(1, state.Kappa);

        // Second batch, same kappa: shortfalls 0.1 and 0.3, Fbar = 0.2.
        state = AlcorUpdater.Accumulate(state, 0.9);
        state = AlcorUpdater.Accumulate(state, 0.7);
        state = AlcorUpdater.EndBatch(state, TwoSlotBatches, out var secondComplete);
        Assert.True(secondComplete);
        Assert.Equal(0.9, state.LambdaBar, 12);
        Assert.Equal(1.8, state.Lambda, 12);
    }

    [Fact]
    public void EndBatch_EmptyBatch_ChangesNothing()
    {
        var state = AlcorUpdater.Start(1);

        var next = AlcorUpdater.EndBatch(state, TwoSlotBatches, out var complete);

        Assert.Equal(state, next);
        Assert.False(complete);
    }

    [Fact]
    public void SimpleStep_ProjectedDualAscentWithoutGamma()
    {
        var state = AlcorUpdater.Start(1);

        state = AlcorUpdater.SimpleStep(state, 0.4, Alpha);
        Assert.Equal(0.36, state.Lambda, 12);

        state = AlcorUpdater.SimpleStep(state, -1, Alpha);
        Assert.Equal(0, state.Lambda);
        Assert.Equal(2, state.Iteration);
    }

    [Fact]
    public void EndBatch_SimpleVariant_CompletesAnIterationEveryBatch()
    {
        var settings = TwoSlotBatches with { Variant = AlcorVariant.Simple };
        var state = AlcorUpdater.Accumulate(AlcorUpdater.Accumulate(AlcorUpdater.Start(1), 0.5), 0.7);

        state = AlcorUpdater.EndBatch(state, settings, out var complete);

        Assert.True(complete);
        Assert.Equal(0.36, state.Lambda, 12);
    }

    [Fact]
    public void NormalizeKappa_DividesByTheLargestOnePlusLambda()
    {
        AlcorUserState[] users =
        [
            AlcorUpdater.Start(0) with { Lambda = 0 },
            AlcorUpdater.Start(0) with { Lambda = 1 },
            AlcorUpdater.Start(0) with { Lambda = 3 },
        ];

        AlcorUpdater.NormalizeKappa(users);

        Assert.Equal(4, AlcorUpdater.MaxOnePlusLambda(users));
        Assert.Equal([0.25, 0.5, 1], users.Select(u => u.Kappa));
    }

    [Fact]
    public void NormalizeKappa_AllLambdasZero_EveryoneAlwaysOn()
    {
        AlcorUserState[] users = [AlcorUpdater.Start(1), AlcorUpdater.Start(2)];

        AlcorUpdater.NormalizeKappa(users);

        Assert.All(users, u => Assert.Equal(1, u.Kappa));
    }

    [Fact]
    public void WithKappa_StaleMaxBelowOwnValue_CappedAtOne()
    {
        var state = AlcorUpdater.Start(1) with { Lambda = 3 };

        Assert.Equal(1, AlcorUpdater.WithKappa(state, 2).Kappa);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void WithKappa_InvalidMax_Throws(double max)
        => Assert.Throws<ArgumentOutOfRangeException>(() => AlcorUpdater.WithKappa(AlcorUpdater.Start(1), max));

    [Fact]
    public void Iterate_RateBelowDemand_LambdaGrowsEveryIteration()
    {
        var state = AlcorUpdater.Start(1);
        var previous = state.Lambda;
        for (var k = 0; k < 50; k++)
        {
            state = Iterate(state, rate: 0.5);
            Assert.True(state.Lambda > previous, $"iteration {k}: lambda {state.Lambda} after {previous}");
            previous = state.Lambda;
        }
    }

    [Fact]
    public void Iterate_RateAboveDemand_LambdaStaysZero()
    {
        var state = AlcorUpdater.Start(1);
        for (var k = 0; k < 50; k++)
        {
            state = Iterate(state, rate: 1.5);
            Assert.Equal(0, state.Lambda);
        }
    }

    [Fact]
    public void Iterate_InfeasibleDemandForLong_LambdaFiniteAndGrowing()
    {
        // The scenario's largest demand against a user that never gets any rate.
        var state = AlcorUpdater.Start(100);
        for (var k = 0; k < 100_000; k++)
        {
            state = Iterate(state, rate: 0);
        }

        Assert.True(double.IsFinite(state.Lambda) && state.Lambda > 1e6, $"lambda {state.Lambda}");
        AlcorUserState[] region = [state, AlcorUpdater.Start(0)];
        AlcorUpdater.NormalizeKappa(region);
        Assert.Equal(1, region[0].Kappa);
        Assert.InRange(region[1].Kappa, double.Epsilon, 1e-6);
    }

    [Fact]
    public void ChangeDemand_KeepsLambdaAndRestartsTheIteration()
    {
        var state = AlcorUpdater.Start(1);
        for (var k = 0; k < 5; k++)
        {
            state = Iterate(state, rate: 0.5);
        }

        state = AlcorUpdater.Accumulate(state, 0.2);
        var lambda = state.Lambda;
        var kappa = state.Kappa;

        var restarted = AlcorUpdater.ChangeDemand(state, 2);

        Assert.Equal(2, restarted.Demand);
        Assert.Equal(lambda, restarted.Lambda);
        Assert.Equal(kappa, restarted.Kappa);
        Assert.Equal(lambda, restarted.LambdaBar);
        Assert.Equal(lambda, restarted.PreviousLambdaBar);
        Assert.Equal(lambda, restarted.Intermediate);
        Assert.Equal(0, restarted.BatchSlots);
        Assert.Equal(0, restarted.BatchShortfallSum);
        Assert.False(restarted.AwaitingSecondBatch);
        Assert.Equal(0, restarted.Iteration);

        // A warm start is a fixed point when the new demand is met exactly: no momentum from the old demand.
        var next = AlcorUpdater.Extrapolate(restarted, 0, Alpha, Gamma);
        Assert.Equal(lambda, next.Lambda, 12);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Start_InvalidDemand_Throws(double demand)
        => Assert.Throws<ArgumentOutOfRangeException>(() => AlcorUpdater.Start(demand));

    [Fact]
    public void Accumulate_NaNRate_ThrowsInsteadOfPoisoningTheDuals()
        => Assert.Throws<ArgumentOutOfRangeException>(() => AlcorUpdater.Accumulate(AlcorUpdater.Start(1), double.NaN));

    [Fact]
    public void Settings_OutOfRange_FailWhenSet()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlcorSettings { Alpha = 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlcorSettings { Gamma = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlcorSettings { BatchSlots = 0 });
    }

    private static AlcorUserState Iterate(AlcorUserState state, double rate)
    {
        for (var batch = 0; batch < 2; batch++)
        {
            state = AlcorUpdater.Accumulate(AlcorUpdater.Accumulate(state, rate), rate);
            state = AlcorUpdater.EndBatch(state, TwoSlotBatches, out _);
        }

        return state;
    }
}
