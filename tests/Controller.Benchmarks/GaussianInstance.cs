using Controller.Radio.Channels;
using Controller.Radio.Randomness;

namespace Controller.Benchmarks;

/// <summary>
/// A gaussian-ic-like instance (paper 001 Sec. IV-A at 15 dB): N links, i.i.d. CN(0, 1) coefficients,
/// so gains <c>|h|^2</c> are Exp(1); noise 10^-1.5 and Pmax 1. Drawn directly rather than through the
/// scenario so that a benchmark measures only the math under test; the seed fixes every value.
/// </summary>
internal static class GaussianInstance
{
    /// <summary>Noise power 10^-1.5: SNR 15 dB at Pmax 1.</summary>
    public static readonly double Noise = PathLoss.DbToLinear(-15);

    /// <summary>Largest power of one transmitter.</summary>
    public const double MaxPower = 1;

    private const ulong Seed = 20_240_601;

    /// <summary>Row-major N x N gains: entry (i, j) from link j's transmitter to link i's receiver.</summary>
    public static double[] DrawGains(int count)
    {
        var random = SeededRandom.ForStream(Seed, RandomStreams.Channel, (ulong)count);
        var gains = new double[count * count];
        for (var i = 0; i < gains.Length; i++)
        {
            var (re, im) = random.NextComplexGaussian();
            gains[i] = (re * re) + (im * im);
        }

        return gains;
    }

    /// <summary>The same gains as a receivers x transmitters matrix (receiver i served by transmitter i).</summary>
    public static GainMatrix ToMatrix(double[] gains, int count)
    {
        var matrix = new GainMatrix(count, count);
        gains.CopyTo(matrix.Values);
        return matrix;
    }

    /// <summary>Powers uniform in [0, Pmax], as a power allocator might leave them.</summary>
    public static double[] DrawPowers(int count)
    {
        var random = SeededRandom.ForStream(Seed, RandomStreams.Policy, (ulong)count);
        var power = new double[count];
        for (var i = 0; i < count; i++)
        {
            power[i] = random.NextDouble(0, MaxPower);
        }

        return power;
    }
}
