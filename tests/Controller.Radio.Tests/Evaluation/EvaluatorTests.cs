using Controller.Radio.Evaluation;
using Controller.Radio.Scenarios;

namespace Controller.Radio.Tests.Evaluation;

public class EvaluatorTests
{
    [Fact]
    public void Run_GaussianIcSameSeed_IdenticalResults()
    {
        var first = Run("wmmse", [new("activity", "0.5"), new("links", "10")], configurations: 8, slots: 20);
        var second = Run("wmmse", [new("activity", "0.5"), new("links", "10")], configurations: 8, slots: 20);

        Assert.Equal(first.Metrics, second.Metrics);
        for (var c = 0; c < first.Configurations.Count; c++)
        {
            Assert.Equal(first.Configurations[c].AverageRates, second.Configurations[c].AverageRates);
        }
    }

    [Fact]
    public void Run_GaussianIcDifferentSeed_DifferentRates()
    {
        var first = Run("full-reuse", [new("links", "10")], configurations: 4, slots: 10, seed: 1);
        var second = Run("full-reuse", [new("links", "10")], configurations: 4, slots: 10, seed: 2);

        Assert.NotEqual(first.Metrics.SumRate, second.Metrics.SumRate);
    }

    [Fact]
    public void Run_FullReuseAllActive_PowerIsLinksTimesMaxPower()
    {
        var result = Run("full-reuse", [new("links", "10")], configurations: 4, slots: 10);

        Assert.Equal(10.0, result.Metrics.MeanPower, 1e-12);
        Assert.Equal(10.0, result.Metrics.PowerBudget);
    }

    [Fact]
    public void Run_FullReuseHalfActivity_PowerIsAboutHalfTheLinks()
    {
        var result = Run("full-reuse", [new("links", "10"), new("activity", "0.5")], configurations: 20, slots: 50);

        // 10,000 link-slots of Bernoulli(0.5) activity: the mean power per slot has standard error 0.05.
        Assert.Equal(5.0, result.Metrics.MeanPower, 0.25);
    }

    [Fact]
    public void Run_FullReuseOneLink_RateIsMeanLogOnePlusSnrTimesExponential()
    {
        // One link at 15 dB: E log2(1 + 10^1.5 X), X ~ Exp(1), is exp(1/s) E1(1/s) / ln 2 with s = 10^1.5 (= 4.02 bps/Hz).
        var result = Run("full-reuse", [new("links", "1")], configurations: 40, slots: 100);

        var snr = Math.Pow(10, 1.5);
        var expected = Math.Exp(1 / snr) * ExponentialIntegralE1(1 / snr) / Math.Log(2);
        // 4000 slots, per-slot standard deviation about 1.6 bps/Hz: standard error 0.025.
        Assert.Equal(expected, result.Metrics.SumRate, 0.12);
    }

    [Fact]
    public void Run_GaussianIc15Db_WmmseBeatsFullReuseOnSumRate()
    {
        var fullReuse = Run("full-reuse", [], configurations: 10, slots: 20);
        var wmmse = Run("wmmse", [], configurations: 10, slots: 20);

        Assert.True(
            wmmse.Metrics.SumRate > 2 * fullReuse.Metrics.SumRate,
            $"WMMSE {wmmse.Metrics.SumRate:F2} vs full reuse {fullReuse.Metrics.SumRate:F2} bps/Hz.");
    }

    [Theory]
    [InlineData("1", 7.72)]
    [InlineData("0.5", 6.8)]
    public void Run_GaussianIcWmmse_ReproducesPaperTableI(string activity, double paperSumRate)
    {
        // Paper 001 Table I, WMMSE column (N = 20, 15 dB). 1000 instances: the standard error is below 0.05 bps/Hz.
        var result = Run("wmmse", [new("activity", activity)], configurations: 20, slots: 50);

        Assert.Equal(paperSumRate, result.Metrics.SumRate, 0.25);
    }

    [Fact]
    public void Run_GaussianIcWithDemands_ReportsSatisfactionAndViolation()
    {
        var result = Run("full-reuse", [new("links", "4"), new("demands", "0.5,0,100,0")], configurations: 3, slots: 10);

        // Link 2 can never average 100 bps/Hz at 15 dB, so at least half the demanded links fail and viol exceeds 90%.
        Assert.NotNull(result.Metrics.SatisfiedFraction);
        Assert.InRange(result.Metrics.SatisfiedFraction!.Value, 0, 0.5);
        Assert.InRange(result.Metrics.ViolationPct!.Value, 90, 100);
    }

    [Fact]
    public void Run_NoDemands_LeavesDemandMetricsNull()
    {
        var result = Run("full-reuse", [new("links", "4")], configurations: 2, slots: 5);

        Assert.Null(result.Metrics.SatisfiedFraction);
        Assert.Null(result.Metrics.ViolationPct);
    }

    [Fact]
    public void Run_PooledMetrics_MatchPerConfigurationRates()
    {
        var result = Run("itlinq", [new("links", "6")], configurations: 5, slots: 10);

        var pooled = result.Configurations.SelectMany(c => c.AverageRates).ToArray();
        Assert.Equal(pooled.Average(), result.Metrics.MeanRate, 1e-12);
        Assert.Equal(result.Configurations.Average(c => c.AverageRates.Sum()), result.Metrics.SumRate, 1e-12);
        Assert.Equal(RateStatistics.Percentile(pooled, 5), result.Metrics.P5Rate);
    }

    [Fact]
    public void Run_UnknownPolicy_ThrowsRadioInputException()
        => Assert.Throws<RadioInputException>(() => Run("max-power", [], configurations: 1, slots: 1));

    private static EvaluationResult Run(string policy, KeyValuePair<string, string>[] overrides, int configurations, int slots, ulong seed = 2024)
    {
        var scenario = ScenarioCatalog.Get("gaussian-ic");
        return Evaluator.Run(new EvaluationRequest(scenario, scenario.Resolve(overrides), policy, seed, configurations, slots));
    }

    private static double ExponentialIntegralE1(double x)
    {
        // Series E1(x) = -gamma - ln x - sum_k (-x)^k / (k k!), fine for small x.
        var sum = 0.0;
        var term = 1.0;
        for (var k = 1; k < 40; k++)
        {
            term *= -x / k;
            sum += term / k;
        }

        return -0.5772156649015329 - Math.Log(x) - sum;
    }
}
