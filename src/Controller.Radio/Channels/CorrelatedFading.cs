using Controller.Radio.Randomness;

namespace Controller.Radio.Channels;

/// <summary>
/// Complex Gaussian fading that evolves as a first-order autoregression
/// <c>h(t+1) = rho h(t) + sqrt(1 - rho^2) w(t+1)</c>, <c>w ~ CN(0,1)</c>, stationary CN(0,1).
/// rho = 0 gives i.i.d. slots; paper 004's innovation factor delta is rho = sqrt(1 - delta);
/// Jakes' model for a Doppler shift fd and slot Ts is rho = J0(2 pi fd Ts).
/// </summary>
public sealed class CorrelatedFading
{
    private readonly double[] _re;
    private readonly double[] _im;
    private readonly double _rho;
    private readonly double _innovation;

    /// <summary>Creates <paramref name="count"/> independent fading coefficients drawn from the stationary law.</summary>
    public CorrelatedFading(int count, double rho, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        // Negative values are allowed: Jakes' J0 is negative for some Doppler-slot products (speed, carrier, slot settings).
        if (!(rho >= -1 && rho <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rho), rho, "The correlation must lie in [-1, 1].");
        }

        _re = new double[count];
        _im = new double[count];
        _rho = rho;
        _innovation = Math.Sqrt(1 - (rho * rho));
        for (var i = 0; i < count; i++)
        {
            (_re[i], _im[i]) = random.NextComplexGaussian();
        }
    }

    /// <summary>One-slot correlation coefficient rho.</summary>
    public double Rho => _rho;

    /// <summary>Number of coefficients.</summary>
    public int Count => _re.Length;

    /// <summary>Real part of coefficient <paramref name="index"/>.</summary>
    public double Real(int index) => _re[index];

    /// <summary>Imaginary part of coefficient <paramref name="index"/>.</summary>
    public double Imaginary(int index) => _im[index];

    /// <summary><c>|h|^2</c> of coefficient <paramref name="index"/>.</summary>
    public double Power(int index) => (_re[index] * _re[index]) + (_im[index] * _im[index]);

    /// <summary>Advances every coefficient by one slot.</summary>
    public void Advance(SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (_rho == 0)
        {
            for (var i = 0; i < _re.Length; i++)
            {
                (_re[i], _im[i]) = random.NextComplexGaussian();
            }

            return;
        }

        for (var i = 0; i < _re.Length; i++)
        {
            var (wr, wi) = random.NextComplexGaussian();
            _re[i] = (_rho * _re[i]) + (_innovation * wr);
            _im[i] = (_rho * _im[i]) + (_innovation * wi);
        }
    }

    /// <summary>Jakes' one-slot correlation <c>J0(2 pi fd Ts)</c> for speed (m/s), carrier (Hz) and slot (s).</summary>
    public static double JakesCorrelation(double speedMetersPerSecond, double carrierHz, double slotSeconds)
    {
        const double SpeedOfLight = 299_792_458.0;
        var doppler = speedMetersPerSecond * carrierHz / SpeedOfLight;
        return BesselJ0(2 * Math.PI * doppler * slotSeconds);
    }

    /// <summary>
    /// Bessel function of the first kind, order 0: its power series up to |x| = 12 and Hankel's asymptotic
    /// expansion beyond, where the series loses every digit to cancellation (absolute error below 1e-10).
    /// </summary>
    public static double BesselJ0(double x)
    {
        if (Math.Abs(x) > 12)
        {
            return BesselJ0Asymptotic(Math.Abs(x));
        }

        var term = 1.0;
        var sum = 1.0;
        var q = -(x * x) / 4;
        for (var k = 1; k < 60; k++)
        {
            term *= q / (k * (double)k);
            sum += term;
            if (Math.Abs(term) < 1e-17 * Math.Abs(sum))
            {
                break;
            }
        }

        return sum;
    }

    private static double BesselJ0Asymptotic(double x)
    {
        // J0(x) = sqrt(2 / (pi x)) (P cos(x - pi/4) - Q sin(x - pi/4)) with t_m = prod_{j<=m} (2j-1)^2 / (m! (8x)^m):
        // P = t_0 - t_2 + t_4 - ..., Q = -t_1 + t_3 - ...; summed until the terms stop shrinking.
        double p = 1, q = 0, term = 1;
        for (var m = 1; m < 100; m++)
        {
            var next = term * (2 * m - 1) * (2 * m - 1) / (8.0 * m * x);
            if (next >= term || next < 1e-17)
            {
                break;
            }

            term = next;
            var sign = (m / 2) % 2 == 0 ? 1 : -1;
            if (m % 2 == 0)
            {
                p += sign * term;
            }
            else
            {
                q -= sign * term;
            }
        }

        var phase = x - (Math.PI / 4);
        return Math.Sqrt(2 / (Math.PI * x)) * ((p * Math.Cos(phase)) - (q * Math.Sin(phase)));
    }
}
