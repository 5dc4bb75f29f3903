using Controller.Radio.Allocation;
using Controller.Radio.Channels;
using Controller.Radio.Randomness;

namespace Controller.Radio.Tests.Allocation;

public class SimpleAllocatorTests
{
    [Fact]
    public void FullReuse_AnyLinks_EveryLinkAtMaxPower()
    {
        var links = new LinkSet();
        links.SetLinks(new double[9], 3, 1, 2.5, 7.5);
        double[] power = [0, 0, 0, -1];

        new FullReuseAllocator().Allocate(links, power);

        Assert.Equal([2.5, 2.5, 2.5, -1], power);
    }

    [Fact]
    public void EqualPower_BudgetBelowFullPower_SplitsBudgetOverNetworkTransmitters()
    {
        // 4 transmitters in the network, 3 of them scheduled: each gets 2 / 4, not 2 / 3.
        var links = Selected(servedReceiver: [0, 1, -1, 3], maxPower: 1, budget: 2);
        var power = new double[links.Count];

        new EqualPowerAllocator().Allocate(links, power);

        Assert.Equal([0.5, 0.5, 0.5], power);
    }

    [Fact]
    public void EqualPower_BudgetAboveFullPower_CapsAtMaxPower()
    {
        var links = new LinkSet();
        links.SetLinks(new double[4], 2, 1, 1.5, 10);
        var power = new double[2];

        new EqualPowerAllocator().Allocate(links, power);

        Assert.Equal([1.5, 1.5], power);
    }

    [Fact]
    public void RandomFullPower_ManyDraws_OnFractionIsBudgetOverFullPowerTimesTransmitters()
    {
        // 10 transmitters, p0 = 2, budget = 6: on with probability 6 / (2 * 10) = 0.3.
        var links = Selected(servedReceiver: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], maxPower: 2, budget: 6);
        var allocator = new RandomFullPowerAllocator(new SeededRandom(21));
        var power = new double[links.Count];
        var on = 0;
        const int Draws = 2000;
        for (var draw = 0; draw < Draws; draw++)
        {
            allocator.Allocate(links, power);
            foreach (var p in power)
            {
                Assert.True(p == 0 || p == 2, $"Power {p} is neither off nor full.");
                on += p > 0 ? 1 : 0;
            }
        }

        // 20,000 Bernoulli draws: standard error 0.0032.
        Assert.Equal(0.3, on / (double)(Draws * links.Count), 0.015);
    }

    private static LinkSet Selected(int[] servedReceiver, double maxPower, double budget)
    {
        var gains = new GainMatrix(servedReceiver.Length, servedReceiver.Length);
        gains.Values.Fill(1);
        var links = new LinkSet();
        links.Build(gains, servedReceiver, [], 1, maxPower, budget);
        return links;
    }
}
