using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Radio.Randomness;

namespace Controller.Radio.Tests.Allocation;

public class GreedyOnOffAllocatorTests
{
    private const double Noise = 1;

    [Fact]
    public void Allocate_NoInterference_SwitchesOnAsManyAsTheBudgetAllows()
    {
        // Four isolated links of different strength, p0 = 2, budget 5: floor(5 / 2) = 2 links fit; the two strongest.
        var links = new LinkSet();
        links.SetLinks(Diagonal([1, 8, 3, 5]), 4, Noise, 2, 5);
        var power = new double[4];

        new GreedyOnOffAllocator().Allocate(links, power);

        Assert.Equal([0, 2, 0, 2], power);
    }

    [Fact]
    public void Allocate_StrongCrossInterference_KeepsTheSecondLinkOff()
    {
        // Each link alone: log2(1 + 10) = 3.46; both: 2 log2(1 + 10 / 11) = 1.87. The stronger link alone wins.
        var links = new LinkSet();
        links.SetLinks([10, 10, 10, 9.9], 2, Noise, 1, 2);
        var power = new double[2];

        new GreedyOnOffAllocator().Allocate(links, power);

        Assert.Equal([1, 0], power);
    }

    [Fact]
    public void Allocate_RandomNetworks_NeverBelowTheBestSingleLinkAndWithinTheBudget()
    {
        var random = new SeededRandom(7);
        var allocator = new GreedyOnOffAllocator();
        for (var trial = 0; trial < 50; trial++)
        {
            const int Count = 12;
            var gains = new double[Count * Count];
            for (var i = 0; i < gains.Length; i++)
            {
                gains[i] = (i % (Count + 1) == 0 ? 5 : 0.3) * -Math.Log(1 - random.NextDouble());
            }

            var links = new LinkSet();
            links.SetLinks(gains, Count, Noise, 1, 6.5);
            var power = new double[Count];
            allocator.Allocate(links, power);

            Assert.All(power, p => Assert.True(p is 0 or 1, $"power {p} is neither off nor full"));
            Assert.InRange(power.Sum(), 1, 6);
            var bestSingle = Enumerable.Range(0, Count).Max(i => Math.Log2(1 + gains[(i * Count) + i]));
            Assert.True(SumRate(gains, Count, power) >= bestSingle - 1e-12, $"trial {trial}: below the best single link");

            // Greedy stops only where no single further link raises the sum rate (or the budget is used up).
            if (power.Sum() < 6)
            {
                for (var c = 0; c < Count; c++)
                {
                    if (power[c] == 0)
                    {
                        var more = (double[])power.Clone();
                        more[c] = 1;
                        Assert.True(SumRate(gains, Count, more) <= SumRate(gains, Count, power) + 1e-12, $"trial {trial}: link {c} would still help");
                    }
                }
            }
        }
    }

    [Fact]
    public void Catalog_GreedyOnOff_IsABaselineAndTakesNoArgument()
    {
        Assert.Contains(PolicyCatalog.Policies, p => p.Name == "greedy-on-off");
        Assert.IsType<GreedyOnOffAllocator>(PolicyCatalog.CreateAllocator("greedy-on-off", 1, 0));
        var error = Assert.Throws<RadioInputException>(() => PolicyCatalog.Validate("greedy-on-off:3"));
        Assert.Contains("takes no argument", error.Message, StringComparison.Ordinal);
    }

    private static double[] Diagonal(double[] direct)
    {
        var gains = new double[direct.Length * direct.Length];
        for (var i = 0; i < direct.Length; i++)
        {
            gains[(i * direct.Length) + i] = direct[i];
        }

        return gains;
    }

    private static double SumRate(double[] gains, int count, double[] power)
    {
        var sum = 0.0;
        for (var r = 0; r < count; r++)
        {
            if (power[r] == 0)
            {
                continue;
            }

            var interference = 0.0;
            for (var t = 0; t < count; t++)
            {
                interference += t == r ? 0 : gains[(r * count) + t] * power[t];
            }

            sum += Math.Log2(1 + (gains[(r * count) + r] * power[r] / (Noise + interference)));
        }

        return sum;
    }
}
