using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

namespace Controller.Radio.Tests.Policies;

/// <summary>A baseline with a channel delay decides now what the same baseline decided on the channel of D slots earlier.</summary>
public sealed class SelectThenAllocatePolicyTests
{
    private const int Slots = 12;

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Decide_WithChannelDelay_RepeatsTheCurrentChannelDecisionOfDSlotsEarlier(int delay)
    {
        var current = Decisions(channelDelay: 0);
        var delayed = Decisions(channelDelay: delay);

        for (var t = 0; t < Slots; t++)
        {
            Assert.Equal(current[Math.Max(0, t - delay)], delayed[t]);
        }

        // The channel moves from slot to slot (delta = 0.3), so the delay does change the powers.
        Assert.NotEqual(current[Slots - 1], delayed[Slots - 1]);
    }

    [Fact]
    public void Decide_NetworkChangesShape_StartsTheChannelHistoryAgain()
    {
        var delayed = new SelectThenAllocatePolicy(new WmmseAllocator(5, budgeted: true), channelDelay: 2);
        var (small, smallFairness) = Network(8);
        for (var t = 0; t < 3; t++)
        {
            small.Advance();
            delayed.Decide(small, smallFairness, new SlotDecision(small.Transmitters));
        }

        // The first decision on the larger network has no older channel of that network to recall: it uses its current one.
        var (larger, largerFairness) = Network(10);
        larger.Advance();
        var actual = new SlotDecision(larger.Transmitters);
        delayed.Decide(larger, largerFairness, actual);
        var expected = new SlotDecision(larger.Transmitters);
        new SelectThenAllocatePolicy(new WmmseAllocator(5, budgeted: true)).Decide(larger, largerFairness, expected);
        Assert.Equal(expected.Power, actual.Power);
    }

    [Fact]
    public void Constructor_NegativeDelay_Throws()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new SelectThenAllocatePolicy(new WmmseAllocator(5), channelDelay: -1));

    private static (NetworkConfiguration Configuration, ProportionalFairSelector Fairness) Network(int pairs)
    {
        var scenario = ScenarioCatalog.Get("agg-gnn");
        var settings = scenario.Resolve([new("pairs", pairs.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("delta", "0.3")]);
        var configuration = scenario.CreateConfiguration(settings, seed: 5, index: 0);
        return (configuration, new ProportionalFairSelector(configuration.Receivers, configuration.Transmitters));
    }

    private static double[][] Decisions(int channelDelay)
    {
        var (configuration, fairness) = Network(8);
        var policy = new SelectThenAllocatePolicy(new WmmseAllocator(5, budgeted: true), channelDelay);
        var decisions = new double[Slots][];
        for (var t = 0; t < Slots; t++)
        {
            configuration.Advance();
            var decision = new SlotDecision(configuration.Transmitters);
            policy.Decide(configuration, fairness, decision);
            decisions[t] = [.. decision.Power];
        }

        return decisions;
    }
}
