using Controller.Radio;
using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Radio.Randomness;

namespace Controller.Radio.Tests.Allocation;

/// <summary>WMMSE under the network's total power budget (paper 004's problem): every step feasible, still descent.</summary>
public class BudgetedWmmseTests
{
    private const double Noise = 0.0316227766;

    [Theory]
    [InlineData(11UL, 6, 2.5)]
    [InlineData(12UL, 12, 4.0)]
    [InlineData(13UL, 25, 8.0)]
    public void Run_TightBudget_ObjectiveDescendsAndBudgetBinds(ulong seed, int links, double budget)
    {
        var gains = Gains(seed, links);
        var free = new double[links];
        new WmmseAllocator(50).Run(gains, links, Noise, 1.0, free, default);
        Assert.True(free.Sum() > budget, $"the test needs a binding budget; WMMSE spent {free.Sum():R}");

        var power = new double[links];
        var trace = new double[50];
        new WmmseAllocator(50, budgeted: true).Run(gains, links, Noise, 1.0, power, trace, budget);

        Assert.All(power, p => Assert.InRange(p, 0, 1.0));
        Assert.InRange(power.Sum(), budget * (1 - 1e-6), budget * (1 + 1e-12));
        for (var k = 1; k < trace.Length; k++)
        {
            Assert.True(trace[k] <= trace[k - 1] + (1e-9 * Math.Abs(trace[k - 1])), $"objective rose from {trace[k - 1]:R} to {trace[k]:R} at step {k}");
        }
    }

    [Fact]
    public void Run_BudgetOfAllLinksAtFullPower_ChangesNothing()
    {
        var gains = Gains(14, 10);
        var free = new double[10];
        var budgeted = new double[10];
        new WmmseAllocator(20).Run(gains, 10, Noise, 1.0, free, default);
        new WmmseAllocator(20, budgeted: true).Run(gains, 10, Noise, 1.0, budgeted, default, 10.0);
        Assert.Equal(free, budgeted);
    }

    [Theory]
    [InlineData(15UL, 0.8)]
    [InlineData(16UL, 1.2)]
    [InlineData(17UL, 0.3)]
    public void Run_OneStepOnTwoLinks_IsTheConstrainedMinimumOfTheStep(ulong seed, double budget)
    {
        // One step from full power: u, w follow from v = (1, 1); the v-step minimises
        // sum_i d_i v_i^2 - 2 n_i v_i over 0 <= v_i <= 1, v_1^2 + v_2^2 <= budget. Search that set on a fine grid.
        var g = Gains(seed, 2);
        double[] d = new double[2], n = new double[2];
        for (var i = 0; i < 2; i++)
        {
            var received = Noise + g[i * 2] + g[(i * 2) + 1];
            var u = Math.Sqrt(g[(i * 2) + i]) / received;
            var w = 1 / (1 - (u * Math.Sqrt(g[(i * 2) + i])));
            n[i] = w * u * Math.Sqrt(g[(i * 2) + i]);
            d[0] += w * u * u * g[i * 2];
            d[1] += w * u * u * g[(i * 2) + 1];
        }

        double Step(double v0, double v1) => (d[0] * v0 * v0) - (2 * n[0] * v0) + (d[1] * v1 * v1) - (2 * n[1] * v1);
        var best = double.PositiveInfinity;
        const int Grid = 2000;
        for (var a = 0; a <= Grid; a++)
        {
            for (var b = 0; b <= Grid; b++)
            {
                var (v0, v1) = ((double)a / Grid, (double)b / Grid);
                if ((v0 * v0) + (v1 * v1) <= budget)
                {
                    best = Math.Min(best, Step(v0, v1));
                }
            }
        }

        var power = new double[2];
        new WmmseAllocator(1, budgeted: true).Run(g, 2, Noise, 1.0, power, default, budget);
        Assert.True(power.Sum() <= budget * (1 + 1e-12), $"spent {power.Sum():R} of {budget}");
        var found = Step(Math.Sqrt(power[0]), Math.Sqrt(power[1]));
        Assert.True(found <= best + 1e-12, $"step objective {found:R}, grid minimum {best:R}");
        Assert.True(found >= best - (1e-3 * Math.Abs(best)), $"step objective {found:R} far below the grid minimum {best:R}: the grid or the test is wrong");
    }

    [Fact]
    public void Run_BadBudget_Throws()
    {
        var power = new double[2];
        Assert.Throws<ArgumentOutOfRangeException>(() => new WmmseAllocator(1, budgeted: true).Run(Gains(1, 2), 2, Noise, 1.0, power, default, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WmmseAllocator(1, budgeted: true).Run(Gains(1, 2), 2, Noise, 1.0, power, default, -1));
    }

    [Fact]
    public void Catalog_NamesTheBudgetedVariant()
    {
        var set = new LinkSet();
        set.SetLinks(Gains(18, 8), 8, Noise, 1.0, 2.0);
        var power = new double[8];
        PolicyCatalog.CreateAllocator("wmmse-budget:5", 1, 0).Allocate(set, power);
        Assert.InRange(power.Sum(), 0, 2.0 * (1 + 1e-12));
        var error = Assert.Throws<RadioInputException>(() => PolicyCatalog.Validate("wmmse-budget:0"));
        Assert.Contains("'wmmse-budget:0' needs an iteration count", error.Message, StringComparison.Ordinal);
    }

    private static double[] Gains(ulong seed, int links)
    {
        var random = new SeededRandom(seed);
        var gains = new double[links * links];
        for (var i = 0; i < gains.Length; i++)
        {
            var (re, im) = random.NextComplexGaussian();
            // Strong direct links, weak cross links: WMMSE keeps most links on, so a budget can bind.
            gains[i] = ((re * re) + (im * im)) * (i % (links + 1) == 0 ? 10 : 0.1);
        }

        return gains;
    }
}
