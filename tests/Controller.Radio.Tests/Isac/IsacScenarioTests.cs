using Controller.Radio.Isac;
using Controller.Radio.Scenarios;

namespace Controller.Radio.Tests.Isac;

public sealed class IsacScenarioTests
{
    [Fact]
    public void Defaults_AreThePapersSetup()
    {
        var scenario = ScenarioCatalog.Get("isac");
        var network = ((IsacScenario)scenario).CreateNetwork(scenario.Resolve([]), 1, 0);

        Assert.Equal(3, network.BaseStations);
        Assert.Equal(5, network.Antennas);
        Assert.Equal(3, network.Users);
        Assert.Equal(2, network.Targets);
        var expected = new[] { (-40, 40 * Math.Sqrt(3)), (80.0, 0.0), (-40, -40 * Math.Sqrt(3)) };
        for (var l = 0; l < 3; l++)
        {
            Assert.Equal(expected[l].Item1, network.BaseStationPositions[l].X, 9);
            Assert.Equal(expected[l].Item2, network.BaseStationPositions[l].Y, 9);
            Assert.Equal(10_000, network.PowerBudgets[l], 6); // 40 dBm in mW
        }

        Assert.Equal((2.0, 5.0), (network.TargetPositions[0].X, network.TargetPositions[0].Y));
        Assert.Equal((-5.0, 1.0), (network.TargetPositions[1].X, network.TargetPositions[1].Y));
        // Every array faces the origin, so targets near it are seen close to broadside.
        Assert.All(Enumerable.Range(0, 3), l => Assert.InRange(Math.Abs(IsacSensing.Angle(network, l, network.TargetPositions[0])), 0, 0.1));
    }

    [Theory]
    [InlineData("antennas", "0")]
    [InlineData("baseStations", "17")]
    [InlineData("eps", "-0.1")]
    [InlineData("eps", "0.6")]
    [InlineData("powerDbm", "abc")]
    [InlineData("targetPositions", "1,2,3")]
    [InlineData("userMinDistance", "50")]
    public void Resolve_BadValue_RefusedNamingTheSetting(string key, string value)
    {
        var error = Assert.Throws<RadioInputException>(() => ScenarioCatalog.Get("isac").Resolve([new(key, value)]));
        Assert.Contains($"'{key}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_CoverTheIssuesListWithUnits()
    {
        var settings = ScenarioCatalog.Get("isac").Settings.ToDictionary(s => s.Name);
        foreach (var name in new[] { "baseStations", "antennas", "users", "targets", "eps", "powerDbm", "noiseDbm" })
        {
            Assert.True(settings.ContainsKey(name), name);
        }

        Assert.Equal("dBm", settings["powerDbm"].Unit);
        Assert.Equal("dBm", settings["noiseDbm"].Unit);
    }

    [Fact]
    public void Configuration_GainsAreMatchedBeamGainsOfTheModel()
    {
        var scenario = ScenarioCatalog.Get("isac");
        var configuration = (IsacScenario.IsacConfiguration)scenario.CreateConfiguration(scenario.Resolve([new("users", "2")]), 4, 1);
        configuration.Advance();
        var network = configuration.Network;

        Assert.Equal(6, configuration.Receivers);
        Assert.False(configuration.OneToOne);
        for (var u = 0; u < network.Users; u++)
        {
            Assert.Equal(network.Cell(u), configuration.ServingTransmitter[u]);
            for (var l = 0; l < network.BaseStations; l++)
            {
                Assert.Equal(network.ChannelNorm(l, u) * network.ChannelNorm(l, u), configuration.Gains[u, l], 12);
            }
        }
    }

    [Fact]
    public void InitialBeams_UseTheWholeBudget()
    {
        var network = IsacDerivativeTests.DefaultNetwork(("users", "3"), ("antennas", "4"));
        var beams = network.InitialBeams();

        for (var l = 0; l < network.BaseStations; l++)
        {
            Assert.Equal(network.PowerBudgets[l], network.Power(beams, l), 6);
        }

        Assert.True(double.IsFinite(IsacSensing.Crlb(network, beams)));
    }
}
