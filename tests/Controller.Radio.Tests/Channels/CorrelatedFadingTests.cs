using Controller.Radio.Channels;
using Controller.Radio.Randomness;

namespace Controller.Radio.Tests.Channels;

public class CorrelatedFadingTests
{
    private const int Coefficients = 1000;
    private const int Slots = 200;

    public static TheoryData<double> Correlations => new() { 0.9, Math.Sqrt(1 - 0.3) };

    [Theory]
    [MemberData(nameof(Correlations))]
    public void Advance_ManySlots_LagOneAutocorrelationIsRho(double rho)
    {
        var (lagOne, lagOneImaginary, _) = Measure(rho, seed: 11);

        // 200k products; the estimator's standard error is below 0.003.
        Assert.Equal(rho, lagOne, 0.012);
        Assert.Equal(0.0, lagOneImaginary, 0.012);
    }

    [Theory]
    [MemberData(nameof(Correlations))]
    public void Advance_ManySlots_PowerHasUnitMean(double rho)
    {
        var (_, _, power) = Measure(rho, seed: 12);

        // Slot-to-slot power correlation rho^2 shrinks the effective sample to about 20k; standard error below 0.01.
        Assert.Equal(1.0, power, 0.04);
    }

    [Fact]
    public void Advance_ZeroRho_SlotsAreUncorrelated()
    {
        var (lagOne, _, power) = Measure(0, seed: 13);

        Assert.Equal(0.0, lagOne, 0.012);
        Assert.Equal(1.0, power, 0.02);
    }

    [Fact]
    public void JakesCorrelation_PedestrianAt2400MHzOneMs_IsBesselOfDopplerPhase()
    {
        // fd = v f / c = 2.4e9 / 299792458 = 8.0056 Hz; J0 by its first four series terms (the rest is below 1e-13 here).
        var x = 2 * Math.PI * 8.0056 * 0.001;
        var expected = 1 - (Math.Pow(x, 2) / 4) + (Math.Pow(x, 4) / 64) - (Math.Pow(x, 6) / 2304);

        Assert.Equal(expected, CorrelatedFading.JakesCorrelation(1, 2.4e9, 1e-3), 1e-7);
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(1.0, 0.7651976866)]
    [InlineData(2.404825557695773, 0.0)]
    [InlineData(5.0, -0.1775967713)]
    [InlineData(10.0, -0.2459357645)]
    [InlineData(-10.0, -0.2459357645)]
    [InlineData(12.0, 0.0476893108)]
    [InlineData(12.5, 0.1468840547)]
    [InlineData(15.0, -0.0142244728)]
    [InlineData(20.0, 0.1670246643)]
    [InlineData(30.0, -0.0863679835)]
    [InlineData(50.0, 0.0558123277)]
    [InlineData(100.0, 0.0199858503)]
    public void BesselJ0_KnownValues_MatchTables(double x, double expected)
        => Assert.Equal(expected, CorrelatedFading.BesselJ0(x), 1e-9);

    [Theory]
    [InlineData(1e3)]
    [InlineData(6.3e6)]
    public void BesselJ0_LargeArgument_StaysWithinLeadingAsymptoticEnvelope(double x)
        => Assert.InRange(Math.Abs(CorrelatedFading.BesselJ0(x)), 0, Math.Sqrt(2 / (Math.PI * x)) * 1.001);

    [Fact]
    public void Advance_NegativeRho_LagOneAutocorrelationIsRho()
    {
        // Jakes' J0 is negative past its first zero (for example fast users or long slots).
        var (lagOne, _, power) = Measure(-0.4, seed: 14);

        Assert.Equal(-0.4, lagOne, 0.012);
        Assert.Equal(1.0, power, 0.03);
    }

    [Theory]
    [InlineData(1.0001)]
    [InlineData(-1.5)]
    [InlineData(double.NaN)]
    public void Constructor_RhoOutsideUnitInterval_Throws(double rho)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new CorrelatedFading(1, rho, new SeededRandom(1)));

    private static (double LagOne, double LagOneImaginary, double Power) Measure(double rho, ulong seed)
    {
        var random = new SeededRandom(seed);
        var fading = new CorrelatedFading(Coefficients, rho, random);
        var previousRe = new double[Coefficients];
        var previousIm = new double[Coefficients];
        double cross = 0, crossImaginary = 0, power = 0;
        for (var slot = 0; slot < Slots; slot++)
        {
            for (var i = 0; i < Coefficients; i++)
            {
                var re = fading.Real(i);
                var im = fading.Imaginary(i);
                power += (re * re) + (im * im);
                if (slot > 0)
                {
                    // h(t) conj(h(t-1)).
                    cross += (re * previousRe[i]) + (im * previousIm[i]);
                    crossImaginary += (im * previousRe[i]) - (re * previousIm[i]);
                }

                previousRe[i] = re;
                previousIm[i] = im;
            }

            fading.Advance(random);
        }

        var pairs = (double)Coefficients * (Slots - 1);
        var meanPower = power / ((double)Coefficients * Slots);
        return (cross / pairs / meanPower, crossImaginary / pairs / meanPower, meanPower);
    }
}
