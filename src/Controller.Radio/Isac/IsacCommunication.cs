using System.Numerics;

namespace Controller.Radio.Isac;

/// <summary>
/// The communication side of paper 002: SINR with intra-cell, inter-cell and sensing interference (eqs. 4-5),
/// the weighted sum rate (eq. 7, in bps/Hz) at channels h = h~ + Delta (eq. 6), its gradients, and the lower
/// level of problem (11): the channel errors within ||Delta_{l,u}|| &lt;= eps_{l,u} that minimise the WSR.
/// </summary>
public static class IsacCommunication
{
    private static readonly double InverseLn2 = 1 / Math.Log(2);

    /// <summary>The WSR at channels h~ + <paramref name="errors"/> (empty = no error); fills <paramref name="sinr"/> per user when it is not empty.</summary>
    public static double WeightedSumRate(IsacNetwork network, ReadOnlySpan<double> beams, ReadOnlySpan<double> errors, Span<double> sinr = default)
        => Evaluate(network, beams, errors, sinr, default, default);

    /// <summary>The WSR and its gradients with respect to the design (gamma) and the channel errors (delta); either span may be empty.</summary>
    public static double WeightedSumRateGradient(IsacNetwork network, ReadOnlySpan<double> beams, ReadOnlySpan<double> errors, Span<double> beamGradient, Span<double> errorGradient)
        => Evaluate(network, beams, errors, default, beamGradient, errorGradient);

    /// <summary>eps_{l,u} = <paramref name="relativeError"/> x ||h~_{l,u}||, the radius of every error ball (indexed l * users + u).</summary>
    public static double[] ErrorRadii(IsacNetwork network, double relativeError)
    {
        ArgumentNullException.ThrowIfNull(network);
        var radii = new double[network.BaseStations * network.Users];
        for (var l = 0; l < network.BaseStations; l++)
        {
            for (var u = 0; u < network.Users; u++)
            {
                radii[(l * network.Users) + u] = relativeError * network.ChannelNorm(l, u);
            }
        }

        return radii;
    }

    /// <summary>
    /// The lower level of problem (11): channel errors within the balls that lower the WSR of <paramref name="beams"/>.
    /// From Delta = 0, each iteration moves every block against its own gradient by a shrinking fraction of its
    /// radius (1, 1/2, 1/3, ...) and projects it back into its ball; the first step lands on the first-order worst
    /// case -eps g / ||g||. With <paramref name="keepLowest"/> the lowest-WSR iterate is returned (to report a worst
    /// case); without it the last iterate (a smooth function of the design, for the cutting planes). Returns the WSR
    /// at the errors written into <paramref name="errors"/>.
    /// </summary>
    public static double WorstCaseErrors(IsacNetwork network, ReadOnlySpan<double> beams, ReadOnlySpan<double> radii, int iterations, bool keepLowest, Span<double> errors)
    {
        ArgumentNullException.ThrowIfNull(network);
        errors.Clear();
        var lowest = WeightedSumRate(network, beams, errors);
        if (iterations == 0 || radii.IndexOfAnyExcept(0.0) < 0)
        {
            return lowest;
        }

        var current = new double[errors.Length];
        var gradient = new double[errors.Length];
        var block = 2 * network.Antennas;
        var value = lowest;
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            WeightedSumRateGradient(network, beams, current, default, gradient);
            var step = 1.0 / (iteration + 1);
            for (var b = 0; b < radii.Length; b++)
            {
                var slice = current.AsSpan(b * block, block);
                var g = gradient.AsSpan(b * block, block);
                var norm = Math.Sqrt(Dot(g, g));
                if (radii[b] == 0 || norm == 0)
                {
                    slice.Clear();
                    continue;
                }

                for (var i = 0; i < block; i++)
                {
                    slice[i] -= step * radii[b] * g[i] / norm;
                }

                var length = Math.Sqrt(Dot(slice, slice));
                if (length > radii[b])
                {
                    for (var i = 0; i < block; i++)
                    {
                        slice[i] *= radii[b] / length;
                    }
                }
            }

            value = WeightedSumRate(network, beams, current);
            if (!keepLowest || value < lowest)
            {
                lowest = value;
                current.CopyTo(errors);
            }
        }

        return keepLowest ? lowest : value;
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static double Evaluate(IsacNetwork network, ReadOnlySpan<double> beams, ReadOnlySpan<double> errors, Span<double> sinr, Span<double> beamGradient, Span<double> errorGradient)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (beams.Length != network.BeamLength || (errors.Length != 0 && errors.Length != network.ErrorLength))
        {
            throw new ArgumentException("beams or errors do not match the network's layout");
        }

        var n = network.Antennas;
        var channel = new Complex[n];
        var maxColumns = network.MaxColumns;
        var projections = new Complex[network.BaseStations * maxColumns];
        var wantGradient = !beamGradient.IsEmpty || !errorGradient.IsEmpty;
        beamGradient.Clear();
        errorGradient.Clear();
        var total = 0.0;
        for (var u = 0; u < network.Users; u++)
        {
            // y_{l,col} = h_{l,u}^H w_{l,col}: every column of every base station reaches user u (eq. 4).
            var received = network.Noise;
            for (var l = 0; l < network.BaseStations; l++)
            {
                Channel(network, errors, l, u, channel);
                for (var col = 0; col < network.Columns(l); col++)
                {
                    var y = Complex.Zero;
                    for (var a = 0; a < n; a++)
                    {
                        var index = network.BeamIndex(l, col, a);
                        y += Complex.Conjugate(channel[a]) * new Complex(beams[index], beams[index + 1]);
                    }

                    projections[(l * maxColumns) + col] = y;
                    received += (y.Real * y.Real) + (y.Imaginary * y.Imaginary);
                }
            }

            var cell = network.Cell(u);
            var own = projections[(cell * maxColumns) + network.BeamColumn(u)];
            var signal = (own.Real * own.Real) + (own.Imaginary * own.Imaginary);
            var interference = received - signal;
            if (!sinr.IsEmpty)
            {
                sinr[u] = signal / interference;
            }

            // log2(1 + S / I) = log2(S + I + noise) - log2(I + noise), eq. 5 with the noise inside I.
            total += network.Weights[u] * Math.Log(received / interference) * InverseLn2;
            if (!wantGradient)
            {
                continue;
            }

            for (var l = 0; l < network.BaseStations; l++)
            {
                Channel(network, errors, l, u, channel);
                for (var col = 0; col < network.Columns(l); col++)
                {
                    var isSignal = l == cell && col == network.BeamColumn(u);
                    var weight = network.Weights[u] * InverseLn2 * ((1 / received) - (isSignal ? 0 : 1 / interference));
                    var y = projections[(l * maxColumns) + col];
                    for (var a = 0; a < n; a++)
                    {
                        var beamIndex = network.BeamIndex(l, col, a);
                        if (!beamGradient.IsEmpty)
                        {
                            // d|h^H w|^2 / dw = 2 h y (real and imaginary parts).
                            var g = 2 * weight * channel[a] * y;
                            beamGradient[beamIndex] += g.Real;
                            beamGradient[beamIndex + 1] += g.Imaginary;
                        }

                        if (!errorGradient.IsEmpty)
                        {
                            // d|h^H w|^2 / dh = 2 w conj(y), and h = h~ + Delta.
                            var g = 2 * weight * new Complex(beams[beamIndex], beams[beamIndex + 1]) * Complex.Conjugate(y);
                            var errorIndex = network.ErrorIndex(l, u, a);
                            errorGradient[errorIndex] += g.Real;
                            errorGradient[errorIndex + 1] += g.Imaginary;
                        }
                    }
                }
            }
        }

        return total;
    }

    private static void Channel(IsacNetwork network, ReadOnlySpan<double> errors, int l, int u, Span<Complex> channel)
    {
        for (var a = 0; a < channel.Length; a++)
        {
            var h = network.ChannelEstimate(l, u, a);
            if (!errors.IsEmpty)
            {
                var index = network.ErrorIndex(l, u, a);
                h += new Complex(errors[index], errors[index + 1]);
            }

            channel[a] = h;
        }
    }
}
