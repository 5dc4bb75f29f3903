using Controller.Radio.Channels;

namespace Controller.Radio.Tests.Channels;

public class PathLossTests
{
    private const double Tolerance = 1e-9;

    [Fact]
    public void CellularDb_OneKilometre_IsIntercept()
        => Assert.Equal(120.9, PathLoss.CellularDb(1000), Tolerance);

    [Fact]
    public void CellularDb_HundredMetres_IsInterceptMinusOneDecade()
        => Assert.Equal(120.9 - 37.6, PathLoss.CellularDb(100), Tolerance);

    [Theory]
    [InlineData(10, 59)]
    [InlineData(100, 79)]
    [InlineData(1000, 119)]
    public void DualSlopeDb_PaperDistances_MatchHandValues(double distance, double expected)
        => Assert.Equal(expected, PathLoss.DualSlopeDb(distance), Tolerance);

    [Fact]
    public void DualSlopeDb_AroundBreakpoint_IsContinuousFromBothSides()
    {
        var below = PathLoss.DualSlopeDb(100 - 1e-7);
        var above = PathLoss.DualSlopeDb(100 + 1e-7);

        Assert.Equal(79, below, 1e-6);
        Assert.Equal(79, above, 1e-6);
    }

    [Fact]
    public void DualSlopeDb_BeyondBreakpoint_FollowsFortyDbPerDecade()
        => Assert.Equal(39 + (40 * Math.Log10(250)) - 40, PathLoss.DualSlopeDb(250), Tolerance);

    [Fact]
    public void PowerLawAmplitude_DistanceTwo_IsTwoToMinusExponent()
        => Assert.Equal(1 / Math.Pow(2, 2.2), PathLoss.PowerLawAmplitude(2), 1e-15);

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void PowerLawAmplitude_AtOrBelowOne_ClipsToOne(double distance)
        => Assert.Equal(1.0, PathLoss.PowerLawAmplitude(distance));

    [Fact]
    public void DbToLinear_ThirtyDb_IsThousandAndInvertsLinearToDb()
    {
        Assert.Equal(1000, PathLoss.DbToLinear(30), Tolerance);
        Assert.Equal(-17.5, PathLoss.LinearToDb(PathLoss.DbToLinear(-17.5)), Tolerance);
    }
}
