using Controller.Optimization.Dbinum;

namespace Controller.Optimization.Tests.Dbinum;

public sealed class AlphaFairUtilityTests
{
    [Theory]
    [InlineData(0.5, 57.9)]
    [InlineData(1.0, 3.0)]
    [InlineData(2.0, 0.7)]
    public void Derivatives_MatchCentralDifferences(double alpha, double rate)
    {
        const double H = 1e-5;

        Assert.Equal((AlphaFairUtility.Value(rate + H, alpha) - AlphaFairUtility.Value(rate - H, alpha)) / (2 * H), AlphaFairUtility.Derivative(rate, alpha), 1e-7);
        Assert.Equal((AlphaFairUtility.Derivative(rate + H, alpha) - AlphaFairUtility.Derivative(rate - H, alpha)) / (2 * H), AlphaFairUtility.SecondDerivative(rate, alpha), 1e-7);
        Assert.Equal((AlphaFairUtility.Derivative(rate, alpha + H) - AlphaFairUtility.Derivative(rate, alpha - H)) / (2 * H), AlphaFairUtility.DerivativeByAlpha(rate, alpha), 1e-7);
    }

    [Fact]
    public void Value_AlphaOne_IsLog()
    {
        Assert.Equal(Math.Log(5), AlphaFairUtility.Value(5, 1));
    }

    [Fact]
    public void Value_PaperSingleLinkOptimum_Is31Point785()
    {
        // Known-utility NUM of paper 000 Sec. 8.1: x1 = p^-2, x2 = x3 = p^-1.5 with x1 + x2 + x3 = 100.
        const double Price = 0.1313313925653004;
        var x1 = Math.Pow(Price, -2);
        var x2 = Math.Pow(Price, -1.5);

        Assert.Equal(100, x1 + (2 * x2), 1e-9);
        Assert.Equal(31.785, AlphaFairUtility.Value(x1, 0.5) + (2 * AlphaFairUtility.Value(x2, 2.0 / 3)), 1e-3);
    }
}
