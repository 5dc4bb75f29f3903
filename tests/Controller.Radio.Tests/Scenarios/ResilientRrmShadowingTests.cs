using Controller.Radio.Channels;
using Controller.Radio.Scenarios;

namespace Controller.Radio.Tests.Scenarios;

public class ResilientRrmShadowingTests
{
    private const int Slots = 300;

    [Theory]
    [InlineData("7", 7.0)]
    [InlineData("3", 3.0)]
    public void Advance_ManySlotsAveraged_ShadowingResidualHasConfiguredSigma(string shadowingDb, double sigma)
    {
        var residuals = Residuals(shadowingDb, configurations: 25);

        var mean = residuals.Average();
        var deviation = Math.Sqrt(residuals.Sum(x => (x - mean) * (x - mean)) / (residuals.Count - 1));
        // 4000 samples: the standard error of the deviation is sigma / sqrt(8000) (about 0.08 dB at 7 dB);
        // averaging 300 slots leaves 4.34 / sqrt(300) = 0.25 dB of fading in each residual.
        Assert.Equal(Math.Sqrt((sigma * sigma) + (0.25 * 0.25)), deviation, 0.05 * sigma);
        Assert.Equal(0.0, mean, 0.5);
    }

    [Fact]
    public void Advance_SlotZero_DbResidualVarianceIsShadowingPlusLogExponential()
    {
        // One slot: residual = shadowing + 10 log10 |h|^2 with |h|^2 ~ Exp(1), whose dB variance is (10 / ln 10)^2 pi^2 / 6.
        var scenario = ScenarioCatalog.Get("resilient-rrm");
        var settings = scenario.Resolve([]);
        var residuals = new List<double>();
        for (var index = 0; index < 50; index++)
        {
            var configuration = scenario.CreateConfiguration(settings, 13, index);
            configuration.Advance();
            for (var j = 0; j < configuration.Receivers; j++)
            {
                for (var i = 0; i < configuration.Transmitters; i++)
                {
                    residuals.Add((10 * Math.Log10(configuration.Gains[j, i])) + DualSlopeLossDb(configuration, j, i));
                }
            }
        }

        var mean = residuals.Average();
        var variance = residuals.Sum(x => (x - mean) * (x - mean)) / (residuals.Count - 1);
        var logExponentialVariance = Math.Pow(10 / Math.Log(10), 2) * Math.PI * Math.PI / 6;
        // 8000 samples; the sample variance's standard error is about 1.4 dB^2 here. Mean of 10 log10 Exp(1) is -2.51 dB.
        Assert.Equal(49 + logExponentialVariance, variance, 6.0);
        Assert.Equal(-0.5772156649 * 10 / Math.Log(10), mean, 0.5);
    }

    private static List<double> Residuals(string shadowingDb, int configurations)
    {
        var scenario = ScenarioCatalog.Get("resilient-rrm");
        var settings = scenario.Resolve(ShadowingProbe.Settings("4", "40", shadowingDb));
        var residuals = new List<double>();
        for (var index = 0; index < configurations; index++)
        {
            var configuration = scenario.CreateConfiguration(settings, 12, index);
            var longTermDb = ShadowingProbe.LongTermGainsDb(configuration, Slots);
            for (var j = 0; j < configuration.Receivers; j++)
            {
                for (var i = 0; i < configuration.Transmitters; i++)
                {
                    residuals.Add(longTermDb[j][i] + DualSlopeLossDb(configuration, j, i));
                }
            }
        }

        return residuals;
    }

    private static double DualSlopeLossDb(NetworkConfiguration configuration, int user, int ap)
    {
        // Paper 003 eq. (30), written out: 39 + 20 log10 d up to 100 m, 39 + 40 log10 d - 40 beyond.
        var d = Distance(configuration.ReceiverPositions![user], configuration.TransmitterPositions![ap]);
        return d <= 100 ? 39 + (20 * Math.Log10(d)) : 39 + (40 * Math.Log10(d)) - 40;
    }

    private static double Distance(Point2 a, Point2 b) => Math.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));
}
