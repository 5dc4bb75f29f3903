using Controller.Radio.Evaluation;

namespace Controller.Radio.Tests.Evaluation;

public class RateStatisticsTests
{
    [Theory]
    // numpy.percentile(a, q) (linear): value at rank (n - 1) q / 100 of the sorted sample, interpolated.
    [InlineData(new[] { 1.0, 2.0, 3.0, 4.0 }, 5, 1.15)]           // rank 0.15: 1 + 0.15 * (2 - 1)
    [InlineData(new[] { 4.0, 1.0, 3.0, 2.0 }, 50, 2.5)]           // rank 1.5
    [InlineData(new[] { 10.0, 0.0, 5.0 }, 90, 9.0)]               // sorted 0, 5, 10; rank 1.8: 5 + 0.8 * 5
    [InlineData(new[] { 3.0, 1.0, 2.0 }, 0, 1.0)]
    [InlineData(new[] { 3.0, 1.0, 2.0 }, 100, 3.0)]
    [InlineData(new[] { 7.5 }, 5, 7.5)]
    [InlineData(new[] { 0.5, 0.5, 2.0, 8.0, 1.0, 4.0 }, 5, 0.5)]  // rank 0.25 between two equal values
    [InlineData(new[] { 0.2, 0.6, 1.0, 8.0, 1.0, 4.0 }, 25, 0.7)] // sorted 0.2, 0.6, 1, 1, 4, 8; rank 1.25: 0.6 + 0.25 * 0.4
    public void Percentile_HandCases_MatchNumpyLinearInterpolation(double[] values, double percent, double expected)
        => Assert.Equal(expected, RateStatistics.Percentile(values, percent), 1e-12);

    [Fact]
    public void Percentile_Input_IsNotReordered()
    {
        double[] values = [4, 1, 3, 2];

        _ = RateStatistics.Percentile(values, 50);

        Assert.Equal([4.0, 1, 3, 2], values);
    }

    [Fact]
    public void Percentile_EmptyOrOutOfRange_Throws()
    {
        Assert.Throws<ArgumentException>(() => RateStatistics.Percentile([], 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => RateStatistics.Percentile([1.0], 101));
        Assert.Throws<ArgumentOutOfRangeException>(() => RateStatistics.Percentile([1.0], double.NaN));
    }

    [Fact]
    public void ViolationPercent_HandCase_IsWorstRelativeShortfall()
    {
        // User 0 misses 2 by 1 (50%), user 1 has no demand, user 2 meets 4, user 3 misses 3 by 0.75 (25%).
        double[] demands = [2, 0, 4, 3];
        double[] rates = [1, 0, 4.5, 2.25];

        Assert.Equal(50.0, RateStatistics.ViolationPercent(demands, rates)!.Value, 1e-12);
    }

    [Fact]
    public void ViolationPercent_AllDemandsMet_IsZero()
        => Assert.Equal(0.0, RateStatistics.ViolationPercent([1.0, 2.0], [1.5, 2.0]));

    [Fact]
    public void ViolationPercent_NoDemands_IsNull()
        => Assert.Null(RateStatistics.ViolationPercent([0.0, 0.0], [1.0, 0.0]));
}
