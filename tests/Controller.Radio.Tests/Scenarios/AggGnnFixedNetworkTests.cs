using Controller.Radio.Scenarios;

namespace Controller.Radio.Tests.Scenarios;

/// <summary>The agg-gnn scenario's <c>network</c> setting: one fixed network for every configuration (paper 004 Sec. VI-C).</summary>
public sealed class AggGnnFixedNetworkTests
{
    private static readonly Scenario Scenario = ScenarioCatalog.Get("agg-gnn");

    [Fact]
    public void Network_N_Gives_Every_Seed_And_Index_The_Same_Positions_And_Fresh_Fading()
    {
        var settings = Scenario.Resolve([new("pairs", "20"), new("network", "7")]);
        var a = Scenario.CreateConfiguration(settings, seed: 11, index: 0);
        var b = Scenario.CreateConfiguration(settings, seed: 13, index: 5);
        var random = Scenario.CreateConfiguration(Scenario.Resolve([new("pairs", "20")]), seed: 7, index: 0);
        var other = Scenario.CreateConfiguration(Scenario.Resolve([new("pairs", "20"), new("network", "8")]), seed: 11, index: 0);

        Assert.Equal(a.TransmitterPositions, b.TransmitterPositions);
        Assert.Equal(a.ReceiverPositions, b.ReceiverPositions);
        // Network N is the layout configuration 0 of seed N has without the setting.
        Assert.Equal(random.TransmitterPositions, a.TransmitterPositions);
        Assert.NotEqual(other.TransmitterPositions, a.TransmitterPositions);
        a.Advance();
        b.Advance();
        Assert.NotEqual(a.Gains.Values.ToArray(), b.Gains.Values.ToArray());
    }

    [Fact]
    public void Network_Zero_Draws_A_New_Network_Per_Configuration()
    {
        var settings = Scenario.Resolve([new("pairs", "20")]);

        Assert.NotEqual(
            Scenario.CreateConfiguration(settings, seed: 11, index: 0).TransmitterPositions,
            Scenario.CreateConfiguration(settings, seed: 11, index: 1).TransmitterPositions);
    }

    [Fact]
    public void Network_Negative_Is_Refused_With_The_Range()
    {
        var error = Assert.Throws<RadioInputException>(() => Scenario.Resolve([new("network", "-1")]));

        Assert.Contains("network", error.Message, StringComparison.Ordinal);
    }
}
