using Controller.Radio.Scenarios;

namespace Controller.Radio.Tests.Scenarios;

public sealed class AggGnnWakeTests
{
    [Fact]
    public void Advance_AwakeBelowOne_DrawsEachPairsWakeWithThatProbabilityAndLeavesTheChannelAlone()
    {
        var scenario = ScenarioCatalog.Get("agg-gnn");
        var synchronous = scenario.CreateConfiguration(scenario.Resolve([new("pairs", "50")]), 3, 1);
        var asynchronous = scenario.CreateConfiguration(scenario.Resolve([new("pairs", "50"), new("awake", "0.3")]), 3, 1);
        var awake = 0;
        var changed = 0;
        bool[] previous = [];
        for (var slot = 0; slot < 40; slot++)
        {
            synchronous.Advance();
            asynchronous.Advance();
            Assert.Equal(synchronous.Gains.Values.ToArray(), asynchronous.Gains.Values.ToArray());
            Assert.All(synchronous.Awake, Assert.True);
            Assert.All(asynchronous.Active, Assert.True);
            awake += asynchronous.Awake.Count(a => a);
            changed += previous.Length > 0 && !previous.SequenceEqual(asynchronous.Awake) ? 1 : 0;
            previous = [.. asynchronous.Awake];
        }

        // 2,000 draws at 0.3: mean 600, standard deviation 20.5.
        Assert.InRange(awake, 520, 680);
        Assert.Equal(39, changed);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1.5")]
    public void Resolve_AwakeOutOfRange_SaysWhatIsAllowed(string value)
    {
        var scenario = ScenarioCatalog.Get("agg-gnn");

        var error = Assert.Throws<RadioInputException>(() => scenario.Resolve([new("awake", value)]));

        Assert.Contains("a number in [0.01, 1]", error.Message, StringComparison.Ordinal);
    }
}
