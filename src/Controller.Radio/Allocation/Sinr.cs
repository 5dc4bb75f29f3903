using System.Numerics.Tensors;
using Controller.Radio.Channels;

namespace Controller.Radio.Allocation;

/// <summary>
/// The one SINR and rate formula of the controller (paper 003 eq. 1, paper 001 eq. 9):
/// receiver r served by transmitter t gets
/// <c>SINR = G[r,t] p_t / (noise + sum_{k != t} G[r,k] p_k)</c> and <c>log2(1 + SINR)</c> bps/Hz.
/// Interference comes from every transmitter at its power, whichever receiver it serves.
/// </summary>
public static class Sinr
{
    /// <summary>SINR at a receiver whose gains to every transmitter are <paramref name="gainRow"/>.</summary>
    public static double At(ReadOnlySpan<double> gainRow, int servingTransmitter, ReadOnlySpan<double> power, double noise)
    {
        var signal = gainRow[servingTransmitter] * power[servingTransmitter];
        var interference = TensorPrimitives.Dot(gainRow, power) - signal;
        // The subtraction can leave a tiny negative residue when the signal dominates the sum.
        return signal / (noise + Math.Max(0, interference));
    }

    /// <summary>Shannon rate in bps/Hz for a SINR.</summary>
    public static double Rate(double sinr) => Math.Log2(1 + sinr);

    /// <summary>
    /// Rates of every receiver of a (receivers x transmitters) gain matrix when transmitter t serves
    /// <paramref name="servedReceiver"/>[t] (-1: serves nobody and must have zero power).
    /// Receivers not served get rate 0.
    /// </summary>
    public static void ComputeRates(GainMatrix gains, ReadOnlySpan<int> servedReceiver, ReadOnlySpan<double> power, double noise, Span<double> receiverRates)
    {
        ArgumentNullException.ThrowIfNull(gains);
        receiverRates.Clear();
        for (var t = 0; t < servedReceiver.Length; t++)
        {
            var r = servedReceiver[t];
            if (r >= 0)
            {
                receiverRates[r] = Rate(At(gains.Row(r), t, power, noise));
            }
        }
    }

    /// <summary>
    /// Rates of K links given their compact K x K gains (row i: gains from every link's transmitter to
    /// link i's receiver, row-major).
    /// </summary>
    public static void ComputeLinkRates(ReadOnlySpan<double> linkGains, int count, ReadOnlySpan<double> power, double noise, Span<double> rates)
    {
        for (var i = 0; i < count; i++)
        {
            rates[i] = Rate(At(linkGains.Slice(i * count, count), i, power[..count], noise));
        }
    }
}
