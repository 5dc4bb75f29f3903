using Controller.Radio.Channels;
using Controller.Radio.Isac;
using Controller.Radio.Scenarios;

namespace Controller.Radio.Tests.Isac;

public sealed class IsacSlotTests
{
    private static IsacScenario.IsacConfiguration Configuration(ulong seed, params KeyValuePair<string, string>[] settings)
    {
        var scenario = ScenarioCatalog.Get("isac");
        return (IsacScenario.IsacConfiguration)scenario.CreateConfiguration(scenario.Resolve(settings), seed, 0);
    }

    [Fact]
    public void ChannelErrors_WithinEachBallAndNotZero()
    {
        var configuration = Configuration(3, new("eps", "0.1"), new("users", "2"));
        for (var slot = 0; slot < 5; slot++)
        {
            configuration.Advance();
            var network = configuration.Network;
            var errors = configuration.ChannelErrors;
            var largest = 0.0;
            for (var l = 0; l < network.BaseStations; l++)
            {
                for (var u = 0; u < network.Users; u++)
                {
                    var block = errors.Slice(network.ErrorIndex(l, u, 0), 2 * network.Antennas);
                    var norm = Math.Sqrt(block.ToArray().Sum(x => x * x));
                    Assert.True(norm <= (0.1 * network.ChannelNorm(l, u)) + 1e-15, $"||Delta_{l},{u}|| = {norm}, bound {0.1 * network.ChannelNorm(l, u)}");
                    largest = Math.Max(largest, norm / network.ChannelNorm(l, u));
                }
            }

            Assert.True(largest > 0.05, $"the largest relative error is only {largest}");
        }
    }

    [Fact]
    public void Eps0_TrueChannelIsTheEstimate()
    {
        var configuration = Configuration(3, new KeyValuePair<string, string>("eps", "0"));
        configuration.Advance();
        var beams = configuration.Network.InitialBeams();

        var report = IsacSlot.Evaluate(configuration.Network, beams, configuration.ChannelErrors);

        Assert.Equal(report.NominalWsr, report.TrueWsr, 12);
        Assert.Equal(report.TrueWsr, report.Rates.Sum(), 12);
    }

    [Fact]
    public void Targets_StayInTheAreaAndRepeatPerSeed()
    {
        static Point2[] Track(ulong seed)
        {
            var configuration = Configuration(seed, new("targetSpeed", "1.5"), new("targetArea", "6"), new("targets", "3"));
            var track = new List<Point2>();
            for (var slot = 0; slot < 30; slot++)
            {
                configuration.Advance();
                track.AddRange(configuration.Network.TargetPositions);
            }

            return [.. track];
        }

        var first = Track(8);
        Assert.Equal(first, Track(8));
        Assert.NotEqual(first, Track(9));
        Assert.All(first, p => Assert.True(Math.Abs(p.X) <= 6 && Math.Abs(p.Y) <= 6, $"target at {p}"));
        // The first slot is the scenario's start: the listed targets where the settings put them.
        Assert.Equal(new Point2(2, 5), first[0]);
    }

    [Fact]
    public void TargetSpeed0_TargetsStayPut()
    {
        var configuration = Configuration(8, new KeyValuePair<string, string>("targetSpeed", "0"));
        configuration.Advance();
        var start = configuration.Network.TargetPositions.ToArray();
        for (var slot = 0; slot < 5; slot++)
        {
            configuration.Advance();
        }

        Assert.Equal(start, configuration.Network.TargetPositions);
    }

    [Theory]
    [InlineData("targetArea", "60", "must be below radius / sqrt 2")]
    [InlineData("targetPositions", "2,25", "within the target area [-20, 20] m")]
    [InlineData("targetSpeed", "6", "targetSpeed")]
    public void Settings_OutOfRange_NameTheSetting(string key, string value, string reason)
    {
        var error = Assert.Throws<RadioInputException>(() => ScenarioCatalog.Get("isac").Resolve([new(key, value)]));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MatchedBeams_UseTheDecidedPowerOnTheServedUsersEstimate()
    {
        var configuration = Configuration(2);
        configuration.Advance();
        var network = configuration.Network;

        var beams = IsacSlot.MatchedBeams(network, [4.0, 0, 9.0], [0, -1, 2]);

        Assert.Equal(4.0, network.Power(beams, 0), 12);
        Assert.Equal(0.0, network.Power(beams, 1));
        Assert.Equal(9.0, network.Power(beams, 2), 12);
    }
}
