using Controller.Radio.Allocation;

namespace Controller.Radio.Tests.Allocation;

public class ItlinqSchedulerTests
{
    // Pmax / noise = 2 / 0.5 = 4, so every SNR and INR below is 4 x its gain; M = 10^2.5, eta = 1/2.
    private const double Noise = 0.5;
    private const double MaxPower = 2.0;

    [Fact]
    public void Allocate_InterferenceOutAboveThreshold_SwitchesLowestPriorityLinkOff()
    {
        // Order by priority: link 1 (3), link 2 (2), link 0 (1).
        // Link 2: threshold 10^2.5 * sqrt(4 * 2.5e5) = 316228; INR_in 4 * 5e4 = 2e5, INR_out 4 * 7.5e4 = 3e5: on.
        // Link 0: threshold 10^2.5 * sqrt(4 * 2.5e3) = 31623; INR_out into link 2 = 4 * 1e4 = 4e4: off.
        var links = Links(
            [
                2.5e3, 1, 1,
                1, 1e3, 7.5e4,
                1e4, 5e4, 2.5e5,
            ],
            priorities: [1, 3, 2]);
        var power = new double[3];

        new ItlinqScheduler().Allocate(links, power);

        Assert.Equal([0.0, MaxPower, MaxPower], power);
    }

    [Fact]
    public void Allocate_InterferenceInAboveThreshold_SwitchesLinkOff()
    {
        // As above with the 1e4 cross gain reversed: link 2's transmitter now hits link 0's receiver (INR_in = 4e4 > 31623).
        var links = Links(
            [
                2.5e3, 1, 1e4,
                1, 1e3, 7.5e4,
                1, 5e4, 2.5e5,
            ],
            priorities: [1, 3, 2]);
        var power = new double[3];

        new ItlinqScheduler().Allocate(links, power);

        Assert.Equal([0.0, MaxPower, MaxPower], power);
    }

    [Fact]
    public void Allocate_OtherPriorityOrder_SwitchesAnotherLinkOff()
    {
        // Order: link 0, link 2, link 1. Link 2 vs link 0: INR 4e4 and 4 <= 316228: on.
        // Link 1: threshold 10^2.5 * sqrt(4e3) = 20000; INR_in from link 2 = 4 * 7.5e4 = 3e5: off.
        var links = Links(
            [
                2.5e3, 1, 1,
                1, 1e3, 7.5e4,
                1e4, 5e4, 2.5e5,
            ],
            priorities: [3, 1, 2]);
        var power = new double[3];

        new ItlinqScheduler().Allocate(links, power);

        Assert.Equal([MaxPower, 0.0, MaxPower], power);
    }

    [Fact]
    public void Allocate_FirstLinkWeakAndHeavilyInterfered_StaysOn()
    {
        var links = Links(
            [
                1e6, 1e6, 1e6,
                1e6, 1e-6, 1e6,
                1e6, 1e6, 1e6,
            ],
            priorities: [0.1, 5, 0.2]);
        var power = new double[3];

        new ItlinqScheduler().Allocate(links, power);

        Assert.Equal([0.0, MaxPower, 0.0], power);
    }

    private static LinkSet Links(double[] gains, double[] priorities)
    {
        var links = new LinkSet();
        links.SetLinks(gains, priorities.Length, Noise, MaxPower, priorities.Length * MaxPower);
        for (var i = 0; i < priorities.Length; i++)
        {
            links.SetPriority(i, priorities[i]);
        }

        return links;
    }
}
