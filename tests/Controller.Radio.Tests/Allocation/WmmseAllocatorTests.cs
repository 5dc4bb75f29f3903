using Controller.Radio.Allocation;
using Controller.Radio.Randomness;

namespace Controller.Radio.Tests.Allocation;

public class WmmseAllocatorTests
{
    [Theory]
    [InlineData(1UL, 4)]
    [InlineData(2UL, 8)]
    [InlineData(3UL, 12)]
    [InlineData(4UL, 20)]
    [InlineData(5UL, 20)]
    public void Run_RandomInstance_ObjectiveNeverIncreases(ulong seed, int links)
    {
        var gains = RayleighGains(seed, links);
        var power = new double[links];
        var trace = new double[WmmseAllocator.DefaultIterations];

        new WmmseAllocator().Run(gains, links, Noise15Db, 1.0, power, trace);

        for (var k = 1; k < trace.Length; k++)
        {
            Assert.True(
                trace[k] <= trace[k - 1] + (1e-9 * Math.Abs(trace[k - 1])),
                $"Objective rose from {trace[k - 1]:R} to {trace[k]:R} at iteration {k}.");
        }
    }

    [Theory]
    [InlineData(6UL, 5, 1.0)]
    [InlineData(7UL, 20, 2.5)]
    public void Allocate_RandomInstance_PowersWithinZeroAndMax(ulong seed, int links, double maxPower)
    {
        var set = new LinkSet();
        set.SetLinks(RayleighGains(seed, links), links, Noise15Db, maxPower, links * maxPower);
        var power = new double[links];

        new WmmseAllocator().Allocate(set, power);

        Assert.All(power, p => Assert.InRange(p, 0, maxPower));
    }

    [Theory]
    [InlineData(8UL, 6)]
    [InlineData(9UL, 15)]
    public void Run_Converged_ObjectiveEqualsLinksMinusSumLogOnePlusSinr(ulong seed, int links)
    {
        // At the optimal receivers and weights the weighted MSE is sum_i (1 - ln w_i) = K - sum_i ln(1 + SINR_i).
        var gains = RayleighGains(seed, links);
        var power = new double[links];
        var trace = new double[500];

        new WmmseAllocator(500).Run(gains, links, Noise15Db, 1.0, power, trace);

        var expected = (double)links;
        for (var i = 0; i < links; i++)
        {
            var interference = 0.0;
            for (var j = 0; j < links; j++)
            {
                if (j != i)
                {
                    interference += gains[(i * links) + j] * power[j];
                }
            }

            expected -= Math.Log(1 + (gains[(i * links) + i] * power[i] / (Noise15Db + interference)));
        }

        Assert.Equal(expected, trace[^1], 1e-6);
    }

    [Fact]
    public void Allocate_NegligibleCrossGains_BothLinksAtFullPower()
    {
        var set = new LinkSet();
        set.SetLinks([1.0, 1e-9, 1e-9, 0.5], 2, 0.01, 2.0, 4.0);
        var power = new double[2];

        new WmmseAllocator().Allocate(set, power);

        Assert.Equal(2.0, power[0], 1e-9);
        Assert.Equal(2.0, power[1], 1e-9);
    }

    [Fact]
    public void Allocate_HugeCrossGains_WeakerLinkSwitchedOff()
    {
        // Together the links get about log2(1 + 1/100) each; alone the stronger one gets log2(1 + 200).
        var set = new LinkSet();
        set.SetLinks([1.0, 100.0, 100.0, 2.0], 2, 0.01, 1.0, 2.0);
        var power = new double[2];

        new WmmseAllocator().Allocate(set, power);

        Assert.True(power[0] < 1e-3, $"Link 0 kept power {power[0]:R}.");
        Assert.Equal(1.0, power[1], 1e-6);
    }

    private static double Noise15Db => Math.Pow(10, -1.5);

    private static double[] RayleighGains(ulong seed, int links)
    {
        var random = new SeededRandom(seed);
        var gains = new double[links * links];
        for (var i = 0; i < gains.Length; i++)
        {
            var (re, im) = random.NextComplexGaussian();
            gains[i] = (re * re) + (im * im);
        }

        return gains;
    }
}
