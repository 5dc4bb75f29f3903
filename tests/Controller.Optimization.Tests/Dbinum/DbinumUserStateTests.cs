using Controller.Optimization.Dbinum;

namespace Controller.Optimization.Tests.Dbinum;

public sealed class DbinumUserStateTests
{
    private static readonly DbinumOptions Options = new() { PrimalStepScale = 0.5, AuxiliaryStep = 0.25, AlphaStep = 0.1, Regularization = 0.01 };

    [Fact]
    public void PrimalStep_BelowPrice_HandComputedJacobiStep()
    {
        var user = new DbinumUserState(Options, initialAlpha: 1, initialRate: 10);
        var route = new DbinumRouteSignal(Price: 0.05, Curvature: 0.04, CurvatureTimesAuxiliary: 0, HeadroomShare: 100);

        user.PrimalStep(route);

        // G = 1/10 - 0.01 * 10 - 0.05 = -0.05; diagonal = 1/100 + 0.01 + 0.04 = 0.06; step = 0.5 * G / 0.06.
        Assert.Equal(10 - (0.5 * 0.05 / 0.06), user.Rate, 1e-12);
        Assert.Equal(-0.05, new DbinumUserState(Options, 1, 10).PrimalGradient(route), 1e-15);
    }

    [Fact]
    public void PrimalStep_IncreaseLargerThanShare_CappedAtHeadroomShare()
    {
        var user = new DbinumUserState(Options, initialAlpha: 1, initialRate: 1);
        var route = new DbinumRouteSignal(Price: 0, Curvature: 0, CurvatureTimesAuxiliary: 0, HeadroomShare: 0.125);

        user.PrimalStep(route);

        Assert.Equal(1.125, user.Rate, 1e-15);
    }

    [Fact]
    public void PrimalStep_HugePrice_RateHalvesAndStaysPositive()
    {
        var user = new DbinumUserState(Options, initialAlpha: 1, initialRate: 4);
        var route = new DbinumRouteSignal(Price: 1e6, Curvature: 0, CurvatureTimesAuxiliary: 0, HeadroomShare: 100);

        user.PrimalStep(route);

        Assert.Equal(2, user.Rate, 1e-15);
    }

    [Fact]
    public void AuxiliaryStep_HandComputed()
    {
        var user = new DbinumUserState(Options, initialAlpha: 1, initialRate: 10, initialAuxiliary: 2);
        var route = new DbinumRouteSignal(Price: 0.05, Curvature: 0.04, CurvatureTimesAuxiliary: 0.3, HeadroomShare: 100);

        user.AuxiliaryStep(route, utilityGradient: 0.2);

        // U'' = -1/100; residual = -0.01 * 2 - 0.01 * 2 - 0.3 - 0.2 = -0.54; diagonal 0.06; v += 0.25 * residual / 0.06.
        Assert.Equal(2 + (0.25 * -0.54 / 0.06), user.Auxiliary, 1e-12);
    }

    [Fact]
    public void Learn_IsTheAuxiliaryStepThenTheAlphaStep()
    {
        var route = new DbinumRouteSignal(Price: 0.05, Curvature: 0.04, CurvatureTimesAuxiliary: 0.3, HeadroomShare: 100);
        var learned = new DbinumUserState(Options, initialAlpha: 1.5, initialRate: 10, initialAuxiliary: 2);
        var stepped = new DbinumUserState(Options, initialAlpha: 1.5, initialRate: 10, initialAuxiliary: 2);

        learned.Learn(route, utilityGradient: 0.2);
        stepped.AuxiliaryStep(route, utilityGradient: 0.2);
        stepped.AlphaStep();

        Assert.Equal(stepped.Auxiliary, learned.Auxiliary);
        Assert.Equal(stepped.Alpha, learned.Alpha);
        Assert.Equal(10, learned.Rate);
    }

    [Fact]
    public void AuxiliaryStep_NotFiniteFeedback_Throws()
    {
        var user = new DbinumUserState(Options, 1, 10);

        Assert.Throws<ArgumentOutOfRangeException>(() => user.AuxiliaryStep(DbinumRouteSignal.Empty, double.NaN));
    }

    [Fact]
    public void AlphaStep_HandComputed()
    {
        var user = new DbinumUserState(Options, initialAlpha: 1, initialRate: 10, initialAuxiliary: 2);

        user.AlphaStep();

        // alpha += beta ln(x) x^-alpha v = 0.1 * ln 10 * 0.1 * 2.
        Assert.Equal(1 + (0.1 * Math.Log(10) * 0.1 * 2), user.Alpha, 1e-12);
    }

    [Fact]
    public void AlphaStep_StepLeavesA_ProjectedOntoBounds()
    {
        var bounded = Options with { AlphaMin = 0.5, AlphaMax = 1.5, AlphaStep = 100 };
        var up = new DbinumUserState(bounded, 1, 10, initialAuxiliary: 5);
        var down = new DbinumUserState(bounded, 1, 10, initialAuxiliary: -5);

        up.AlphaStep();
        down.AlphaStep();

        Assert.Equal(1.5, up.Alpha);
        Assert.Equal(0.5, down.Alpha);
    }

    [Fact]
    public void Constructor_AlphaOutsideA_Projected()
    {
        Assert.Equal(100, new DbinumUserState(new DbinumOptions(), 1e6, 1).Alpha);
        Assert.Equal(1e-3, new DbinumUserState(new DbinumOptions(), -1, 1).Alpha);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public void Constructor_NonPositiveRate_Throws(double rate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DbinumUserState(new DbinumOptions(), 1, rate));
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowNamingTheSetting()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new DbinumUserState(new DbinumOptions { AlphaMax = 1e-4 }, 1, 1));

        Assert.Equal(nameof(DbinumOptions.AlphaMax), error.ParamName);
    }
}
