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
    public void Constructor_NegativeDelay_Throws()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new SelectThenAllocatePolicy(new WmmseAllocator(5), channelDelay: -1));

    private static double[][] Decisions(int channelDelay)
    {
        var scenario = ScenarioCatalog.Get("agg-gnn");
        var settings = scenario.Resolve([new("pairs", "8"), new("delta", "0.3")]);
        var configuration = scenario.CreateConfiguration(settings, seed: 5, index: 0);
        var policy = new SelectThenAllocatePolicy(new WmmseAllocator(5, budgeted: true), channelDelay);
        var fairness = new ProportionalFairSelector(configuration.Receivers, configuration.Transmitters);
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
