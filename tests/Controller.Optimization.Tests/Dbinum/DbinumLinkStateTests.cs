using Controller.Optimization.Dbinum;

namespace Controller.Optimization.Tests.Dbinum;

public sealed class DbinumLinkStateTests
{
    [Fact]
    public void Signal_TwoUsers_PriceCurvatureAndShareFromTheBarrier()
    {
        var link = new DbinumLinkState(capacity: 10, barrierWeight: 0.5);
        link.Add(rate: 3, auxiliary: 2);
        link.Add(rate: 5, auxiliary: -0.5);

        var signal = link.Signal();

        // y = 8, P - y = 2: B' = 0.5 / 2, B'' = 0.5 / 4, s = 1.5, share = 2 / (2 * 2).
        Assert.Equal(8, link.Load);
        Assert.Equal(0.25, signal.Price, 1e-15);
        Assert.Equal(0.125, signal.Curvature, 1e-15);
        Assert.Equal(0.1875, signal.CurvatureTimesAuxiliary, 1e-15);
        Assert.Equal(0.5, signal.HeadroomShare, 1e-15);
        Assert.Equal(link.Price, signal.Price, 1e-15);
        Assert.Equal(link.Curvature, signal.Curvature, 1e-15);
    }

    [Fact]
    public void Restore_StateAfterAnExchange_SameSignal()
    {
        var link = new DbinumLinkState(capacity: 10, barrierWeight: 0.5);
        link.Add(rate: 3, auxiliary: 2);
        link.Add(rate: 5.5, auxiliary: -0.25);

        var restored = DbinumLinkState.Restore(10, 0.5, link.Load, link.AuxiliarySum, link.Users);

        Assert.Equal(link.Signal(), restored.Signal());
        Assert.Throws<ArgumentOutOfRangeException>(() => DbinumLinkState.Restore(10, 0.5, double.NaN, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => DbinumLinkState.Restore(10, 0.5, 1, 0, -1));
    }

    [Fact]
    public void Clear_AfterReports_StartsAnEmptyExchange()
    {
        var link = new DbinumLinkState(10, 0.5);
        link.Add(4, 1);

        link.Clear();

        Assert.Equal(0, link.Load);
        Assert.Equal(0, link.AuxiliarySum);
        Assert.Equal(0, link.Users);
        Assert.Equal(double.PositiveInfinity, link.Signal().HeadroomShare);
    }

    [Fact]
    public void Signal_LoadAtCapacity_Throws()
    {
        var link = new DbinumLinkState(10, 0.5);
        link.Add(10, 0);

        Assert.Throws<InvalidOperationException>(() => link.Signal());
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(10, 0)]
    [InlineData(double.NaN, 1)]
    public void Constructor_InvalidParameters_Throw(double capacity, double barrierWeight)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DbinumLinkState(capacity, barrierWeight));
    }

    [Fact]
    public void RouteSignal_TwoLinks_SumsAndKeepsTheSmallestShare()
    {
        var route = DbinumRouteSignal.Empty
            .Add(new DbinumLinkSignal(0.1, 0.01, 0.2, 3))
            .Add(new DbinumLinkSignal(0.3, 0.02, -0.1, 1));

        Assert.Equal(0.4, route.Price, 1e-15);
        Assert.Equal(0.03, route.Curvature, 1e-15);
        Assert.Equal(0.1, route.CurvatureTimesAuxiliary, 1e-15);
        Assert.Equal(1, route.HeadroomShare);
    }
}
