using Controller.Optimization.Dbinum;
using Controller.Radio.Randomness;

namespace Controller.Optimization.Tests.Dbinum;

public sealed class UtilityFeedbackTests
{
    [Fact]
    public void EstimateGradient_GradientFeedback_ExactAndDrawsNothing()
    {
        var feedback = UtilityFeedback.FromGradient(x => 2 * x);
        var used = new SeededRandom(3);
        var fresh = new SeededRandom(3);

        Assert.Equal(8, feedback.EstimateGradient(4, used));
        Assert.Equal(fresh.NextUInt64(), used.NextUInt64());
        Assert.True(feedback.GivesGradient);
        Assert.False(feedback.GivesValue);
    }

    [Fact]
    public void EstimateGradient_ValueFeedback_TwoPointEstimateAveragesToTheGradient()
    {
        var feedback = UtilityFeedback.FromValue(x => AlphaFairUtility.Value(x, 0.5), smoothing: 0.01);
        var random = new SeededRandom(11);
        const int Samples = 20_000;

        var sum = 0.0;
        for (var k = 0; k < Samples; k++)
        {
            sum += feedback.EstimateGradient(25, random);
        }

        // U' = 25^-1/2 = 0.2; the estimate is about U' u^2 (variance 2 U'^2): standard error 0.002.
        Assert.Equal(0.2, sum / Samples, 0.01);
    }

    [Fact]
    public void EstimateGradient_ValueFeedback_OneStepIsTheEquation18Formula()
    {
        var feedback = UtilityFeedback.FromValue(x => x * x, smoothing: 0.5);
        var u = new SeededRandom(5).NextGaussian();

        var estimate = feedback.EstimateGradient(3, new SeededRandom(5));

        Assert.Equal((((3 + (0.5 * u)) * (3 + (0.5 * u))) - 9) * u / 0.5, estimate, 1e-12);
    }

    [Fact]
    public void TwoPointEstimate_ValuesAtTheProbeRate_EqualsEstimateGradient()
    {
        Func<double, double> utility = x => AlphaFairUtility.Value(x, 2.0 / 3);
        var feedback = UtilityFeedback.FromValue(utility, smoothing: 0.01);
        var u = new SeededRandom(9).NextGaussian();

        var probe = UtilityFeedback.ProbeRate(20, u, 0.01);
        var estimate = UtilityFeedback.TwoPointEstimate(utility(probe), utility(20), u, 0.01);

        Assert.Equal(feedback.EstimateGradient(20, new SeededRandom(9)), estimate);
    }

    [Fact]
    public void Gradient_ValueOnlyFeedback_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => UtilityFeedback.FromValue(x => x).Gradient(2));
        Assert.Equal(4, UtilityFeedback.FromGradient(x => 2 * x).Gradient(2));
    }

    [Fact]
    public void Value_GradientOnlyFeedback_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => UtilityFeedback.FromGradient(x => 1).Value(2));
        Assert.Equal(4, UtilityFeedback.FromGradient(x => 1, x => 2 * x).Value(2));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void FromValue_InvalidSmoothing_Throws(double smoothing)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => UtilityFeedback.FromValue(x => x, smoothing));
    }
}
