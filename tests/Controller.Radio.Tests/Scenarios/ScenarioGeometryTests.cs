using Controller.Radio.Channels;
using Controller.Radio.Scenarios;

namespace Controller.Radio.Tests.Scenarios;

public class ScenarioGeometryTests
{
    [Fact]
    public void CreateConfiguration_ResilientRrm_ApsAndUsersKeepMinimumDistances()
    {
        var scenario = ScenarioCatalog.Get("resilient-rrm");
        // A crowded network makes the distance constraints bind.
        var settings = scenario.Resolve([new("aps", "30"), new("users", "200"), new("area", "300")]);
        for (var index = 0; index < 5; index++)
        {
            var configuration = scenario.CreateConfiguration(settings, 5, index);
            var aps = configuration.TransmitterPositions!;
            var users = configuration.ReceiverPositions!;

            Assert.Equal(30, aps.Length);
            Assert.Equal(200, users.Length);
            for (var i = 0; i < aps.Length; i++)
            {
                Assert.InRange(aps[i].X, 0, 300);
                Assert.InRange(aps[i].Y, 0, 300);
                for (var k = 0; k < i; k++)
                {
                    Assert.True(Distance(aps[i], aps[k]) >= 35, $"APs {k} and {i} are {Distance(aps[i], aps[k])} m apart.");
                }
            }

            foreach (var user in users)
            {
                Assert.InRange(user.X, 0, 300);
                Assert.InRange(user.Y, 0, 300);
                Assert.All(aps, ap => Assert.True(Distance(user, ap) >= 10, $"A user is {Distance(user, ap)} m from an AP."));
            }
        }
    }

    [Fact]
    public void CreateConfiguration_ResilientRrmWithoutShadowing_AssociatesNearestAp()
    {
        var scenario = ScenarioCatalog.Get("resilient-rrm");
        var settings = scenario.Resolve([new("aps", "8"), new("users", "100"), new("shadowingDb", "0")]);
        for (var index = 0; index < 3; index++)
        {
            var configuration = scenario.CreateConfiguration(settings, 6, index);
            var aps = configuration.TransmitterPositions!;
            var users = configuration.ReceiverPositions!;
            for (var j = 0; j < users.Length; j++)
            {
                var nearest = Enumerable.Range(0, aps.Length).MinBy(i => Distance(users[j], aps[i]));
                Assert.Equal(nearest, configuration.ServingTransmitter[j]);
            }
        }
    }

    [Fact]
    public void CreateConfiguration_ResilientRrmWithShadowing_AssociatesLargestLongTermGain()
    {
        // Average out the fading over 300 nearly uncorrelated slots (see LongTermGains); what is left is path loss and shadowing.
        var scenario = ScenarioCatalog.Get("resilient-rrm");
        var settings = scenario.Resolve(ShadowingProbe.Settings("8", "100"));
        var users = 0;
        var argmaxMatches = 0;
        for (var index = 0; index < 3; index++)
        {
            var configuration = scenario.CreateConfiguration(settings, 8, index);
            var longTermDb = ShadowingProbe.LongTermGainsDb(configuration, 300);
            for (var j = 0; j < configuration.Receivers; j++)
            {
                var row = longTermDb[j];
                var served = row[configuration.ServingTransmitter[j]];
                // Each estimate has a standard deviation of 4.34 / sqrt(300) = 0.25 dB; a difference 0.35 dB.
                Assert.True(served >= row.Max() - 1.5, $"User {j} is served at {served:F2} dB while its best AP gives {row.Max():F2} dB.");
                users++;
                argmaxMatches += Array.IndexOf(row, row.Max()) == configuration.ServingTransmitter[j] ? 1 : 0;
            }
        }

        Assert.True(argmaxMatches >= 0.9 * users, $"Only {argmaxMatches} of {users} users are served by their estimated best AP.");
    }

    [Fact]
    public void Advance_AlcorCellular_ReceiversInsideTheirHexagonBeyondMinDistance()
    {
        var scenario = ScenarioCatalog.Get("alcor-cellular");
        var settings = scenario.Resolve([new("links", "70"), new("largeScaleSlots", "2")]);
        var configuration = scenario.CreateConfiguration(settings, 9, 0);
        var centres = HexagonCentres(500);
        var earlier = new List<Point2[]>();
        for (var slot = 0; slot < 10; slot++)
        {
            configuration.Advance();
            var receivers = configuration.ReceiverPositions!;
            for (var r = 0; r < receivers.Length; r++)
            {
                var centre = centres[r % 7];
                Assert.True(Distance(centre, configuration.TransmitterPositions![r]) < 1e-6, $"Transmitter {r} is not at the centre of cell {r % 7}.");
                Assert.True(Distance(receivers[r], centre) >= 50, $"Receiver {r} is {Distance(receivers[r], centre)} m from its transmitter.");
                Assert.True(InsideFlatToppedHexagon(receivers[r], centre, 500), $"Receiver {r} at {receivers[r]} left cell {r % 7}.");
            }

            earlier.Add(receivers.ToArray());
        }

        Assert.Equal(earlier[0], earlier[1]);
        Assert.NotEqual(earlier[1], earlier[2]);
    }

    [Theory]
    [InlineData("25", "0", 25.0)]
    [InlineData("16", "64", 64.0)]
    public void CreateConfiguration_AggGnn_ReceiversWithinQuarterDensityOfTransmitter(string pairs, string trainingPairs, double density)
    {
        var scenario = ScenarioCatalog.Get("agg-gnn");
        var settings = scenario.Resolve([new("pairs", pairs), new("trainingPairs", trainingPairs)]);
        var m = settings.GetInt("pairs");
        var half = Math.Sqrt(m * density);
        for (var index = 0; index < 4; index++)
        {
            var configuration = scenario.CreateConfiguration(settings, 10, index);
            var transmitters = configuration.TransmitterPositions!;
            var receivers = configuration.ReceiverPositions!;
            for (var i = 0; i < m; i++)
            {
                Assert.InRange(transmitters[i].X, -half, half);
                Assert.InRange(transmitters[i].Y, -half, half);
                Assert.InRange(receivers[i].X - transmitters[i].X, -density / 4, density / 4);
                Assert.InRange(receivers[i].Y - transmitters[i].Y, -density / 4, density / 4);
            }
        }
    }

    [Fact]
    public void Advance_AggGnnSlotZero_GainIsSquaredPathLossTimesUnitMeanFading()
    {
        // Over many configurations G[r,t] / min(d,1)^-4.4 is |h|^2 with h ~ CN(0,1): mean 1.
        var scenario = ScenarioCatalog.Get("agg-gnn");
        var settings = scenario.Resolve([new("pairs", "10")]);
        var sum = 0.0;
        var count = 0;
        for (var index = 0; index < 100; index++)
        {
            var configuration = scenario.CreateConfiguration(settings, 11, index);
            configuration.Advance();
            for (var r = 0; r < 10; r++)
            {
                for (var t = 0; t < 10; t++)
                {
                    var d = Math.Max(1, Distance(configuration.ReceiverPositions![r], configuration.TransmitterPositions![t]));
                    sum += configuration.Gains[r, t] * Math.Pow(d, 4.4);
                    count++;
                }
            }
        }

        // 10,000 Exp(1) samples: standard error 0.01.
        Assert.Equal(1.0, sum / count, 0.05);
    }

    private static bool InsideFlatToppedHexagon(Point2 point, Point2 centre, double radius)
    {
        // The hexagon is the intersection of three strips of half-width apothem = R sqrt(3) / 2, normal to 30, 90 and 150 degrees.
        var apothem = radius * Math.Sqrt(3) / 2;
        for (var k = 0; k < 3; k++)
        {
            var angle = (Math.PI / 6) + (k * Math.PI / 3);
            var projection = ((point.X - centre.X) * Math.Cos(angle)) + ((point.Y - centre.Y) * Math.Sin(angle));
            if (Math.Abs(projection) > apothem + 1e-9)
            {
                return false;
            }
        }

        return true;
    }

    private static double Distance(Point2 a, Point2 b) => Math.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));

    private static Point2[] HexagonCentres(double radius)
    {
        // Centre cell and its six neighbours at sqrt(3) R, as the scenario describes (flat-topped hexagons).
        var centres = new Point2[7];
        for (var k = 1; k < 7; k++)
        {
            var angle = Math.PI / 6 * ((2 * k) - 1);
            centres[k] = new Point2(Math.Sqrt(3) * radius * Math.Cos(angle), Math.Sqrt(3) * radius * Math.Sin(angle));
        }

        return centres;
    }
}
