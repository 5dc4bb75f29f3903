using System.Numerics;
using Controller.Radio.Channels;

namespace Controller.Radio.Isac;

/// <summary>
/// The sensing side of paper 002: the Fisher information matrix of xi = [p; alpha] for the echo model of
/// eqs. (8)-(9) and the CRLB of the target positions (eq. 10), with its gradient in the design. The paper's
/// Appendix C is missing; the derivation followed here is in this folder's README.md.
/// </summary>
/// <remarks>
/// Parameter order (as the paper's xi): p_1x, p_1y, ..., p_Jx, p_Jy, then Re alpha_{l,j} at 2J + j L + l, then
/// Im alpha_{l,j} at 2J + J L + j L + l. Paths (l, j, m) are uncorrelated (independent symbols across base
/// stations, distinct delays across targets), so F = (2 T / sigma_r^2) sum_{l,j,m} Re tr(dG_b R_l dG_a^H) with
/// G_{l,j,m} = alpha_{l,j} a(theta_{j,m}) a^H(theta_{j,l}) and R_l = sum_i v_{l,i} v_{l,i}^H + Q_{l,0}.
/// </remarks>
public static class IsacSensing
{
    /// <summary>Number of real parameters: 2J positions and 2JL reflection parts.</summary>
    public static int Parameters(IsacNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return (2 * network.Targets) + (2 * network.Targets * network.BaseStations);
    }

    /// <summary>The ULA steering vector a(theta)_n = exp(j pi n sin theta) (half-wavelength spacing).</summary>
    public static Complex[] Steering(int antennas, double angle)
    {
        var a = new Complex[antennas];
        for (var n = 0; n < antennas; n++)
        {
            a[n] = Complex.FromPolarCoordinates(1, Math.PI * n * Math.Sin(angle));
        }

        return a;
    }

    /// <summary>The angle of <paramref name="point"/> seen from base station l, measured from its array's broadside.</summary>
    public static double Angle(IsacNetwork network, int baseStation, Point2 point)
    {
        ArgumentNullException.ThrowIfNull(network);
        var station = network.BaseStationPositions[baseStation];
        var angle = Math.Atan2(point.Y - station.Y, point.X - station.X) - network.ArrayFacing[baseStation];
        return Math.IEEERemainder(angle, 2 * Math.PI);
    }

    /// <summary>The transmit covariance R_l = sum_i v_{l,i} v_{l,i}^H + B_l B_l^H of base station l, row-major N x N.</summary>
    public static Complex[] Covariance(IsacNetwork network, ReadOnlySpan<double> beams, int baseStation)
    {
        ArgumentNullException.ThrowIfNull(network);
        var n = network.Antennas;
        var r = new Complex[n * n];
        for (var col = 0; col < network.Columns(baseStation); col++)
        {
            for (var a = 0; a < n; a++)
            {
                var ia = network.BeamIndex(baseStation, col, a);
                var wa = new Complex(beams[ia], beams[ia + 1]);
                for (var b = 0; b < n; b++)
                {
                    var ib = network.BeamIndex(baseStation, col, b);
                    r[(a * n) + b] += wa * new Complex(beams[ib], -beams[ib + 1]);
                }
            }
        }

        return r;
    }

    /// <summary>The Fisher information matrix of xi for the design <paramref name="beams"/>.</summary>
    public static double[,] Fisher(IsacNetwork network, ReadOnlySpan<double> beams)
    {
        ArgumentNullException.ThrowIfNull(network);
        var size = Parameters(network);
        var fisher = new double[size, size];
        var n = network.Antennas;
        var scale = 2.0 * network.Samples / network.SensingNoise;
        var product = new Complex[n * n];
        for (var l = 0; l < network.BaseStations; l++)
        {
            var covariance = Covariance(network, beams, l);
            for (var j = 0; j < network.Targets; j++)
            {
                for (var m = 0; m < network.BaseStations; m++)
                {
                    var path = network.Path(l, j, m);
                    for (var b = 0; b < 4; b++)
                    {
                        Multiply(path.Derivatives[b], covariance, product, n);
                        for (var a = 0; a < 4; a++)
                        {
                            // Re tr(dG_b R dG_a^H) = Re sum_{ik} (dG_b R)_{ik} conj(dG_a)_{ik}.
                            var sum = 0.0;
                            var da = path.Derivatives[a];
                            for (var i = 0; i < n * n; i++)
                            {
                                sum += (product[i].Real * da[i].Real) + (product[i].Imaginary * da[i].Imaginary);
                            }

                            fisher[path.Parameters[a], path.Parameters[b]] += scale * sum;
                        }
                    }
                }
            }
        }

        return fisher;
    }

    /// <summary>CRLB = Tr([F^-1]_pp) (eq. 10, the Schur complement form), in m^2; +infinity when F is singular.</summary>
    public static double Crlb(IsacNetwork network, ReadOnlySpan<double> beams)
    {
        var inverse = SymmetricMatrix.Inverse(Fisher(network, beams));
        if (inverse is null)
        {
            return double.PositiveInfinity;
        }

        var sum = 0.0;
        for (var i = 0; i < 2 * network.Targets; i++)
        {
            sum += inverse[i, i];
        }

        return sum;
    }

    /// <summary>
    /// The CRLB of each target's position, Tr of its 2 x 2 block of F^-1 (m^2; they sum to <see cref="Crlb"/>); every
    /// entry +infinity when F is singular.
    /// </summary>
    public static double[] TargetCrlb(IsacNetwork network, ReadOnlySpan<double> beams)
    {
        var result = new double[network.Targets];
        var inverse = SymmetricMatrix.Inverse(Fisher(network, beams));
        for (var j = 0; j < result.Length; j++)
        {
            result[j] = inverse is null ? double.PositiveInfinity : inverse[2 * j, 2 * j] + inverse[(2 * j) + 1, (2 * j) + 1];
        }

        return result;
    }

    /// <summary>
    /// The CRLB and its gradient with respect to the design: dCRLB = -tr(M dF) with M = F^-1 E E^T F^-1 (E selects
    /// the positions), so dCRLB = Re tr(W_l dR_l) with W_l = -(2T / sigma_r^2) sum_{j,m} sum_{a,b} M_ab dG_a^H dG_b, and
    /// the gradient with respect to each column w of base station l is 2 W_l w.
    /// </summary>
    public static double CrlbGradient(IsacNetwork network, ReadOnlySpan<double> beams, Span<double> gradient)
    {
        ArgumentNullException.ThrowIfNull(network);
        gradient.Clear();
        var inverse = SymmetricMatrix.Inverse(Fisher(network, beams));
        if (inverse is null)
        {
            return double.PositiveInfinity;
        }

        var positions = 2 * network.Targets;
        var crlb = 0.0;
        for (var i = 0; i < positions; i++)
        {
            crlb += inverse[i, i];
        }

        var n = network.Antennas;
        var scale = 2.0 * network.Samples / network.SensingNoise;
        var weightMatrix = new Complex[n * n];
        var combined = new Complex[n * n];
        for (var l = 0; l < network.BaseStations; l++)
        {
            Array.Clear(weightMatrix);
            for (var j = 0; j < network.Targets; j++)
            {
                for (var m = 0; m < network.BaseStations; m++)
                {
                    var path = network.Path(l, j, m);
                    for (var b = 0; b < 4; b++)
                    {
                        // sum_a M_ab dG_a^H dG_b = (sum_a M_ab dG_a)^H dG_b, M being real.
                        Array.Clear(combined);
                        var any = false;
                        for (var a = 0; a < 4; a++)
                        {
                            var pa = path.Parameters[a];
                            var pb = path.Parameters[b];
                            var mab = 0.0;
                            for (var i = 0; i < positions; i++)
                            {
                                mab += inverse[pa, i] * inverse[i, pb];
                            }

                            if (mab == 0)
                            {
                                continue;
                            }

                            any = true;
                            var da = path.Derivatives[a];
                            for (var i = 0; i < n * n; i++)
                            {
                                combined[i] += mab * da[i];
                            }
                        }

                        if (!any)
                        {
                            continue;
                        }

                        var db = path.Derivatives[b];
                        for (var r = 0; r < n; r++)
                        {
                            for (var c = 0; c < n; c++)
                            {
                                var sum = Complex.Zero;
                                for (var k = 0; k < n; k++)
                                {
                                    sum += Complex.Conjugate(combined[(k * n) + r]) * db[(k * n) + c];
                                }

                                weightMatrix[(r * n) + c] -= scale * sum;
                            }
                        }
                    }
                }
            }

            for (var col = 0; col < network.Columns(l); col++)
            {
                for (var r = 0; r < n; r++)
                {
                    var sum = Complex.Zero;
                    for (var c = 0; c < n; c++)
                    {
                        var index = network.BeamIndex(l, col, c);
                        sum += weightMatrix[(r * n) + c] * new Complex(beams[index], beams[index + 1]);
                    }

                    var target = network.BeamIndex(l, col, r);
                    gradient[target] = 2 * sum.Real;
                    gradient[target + 1] = 2 * sum.Imaginary;
                }
            }
        }

        return crlb;
    }

    /// <summary>G_{l,j,m} = alpha a(theta_{j,m}) a^H(theta_{j,l}), row-major N x N, for reflection <paramref name="alpha"/>.</summary>
    internal static Complex[] PathResponse(IsacNetwork network, int transmitter, int target, int receiver, Complex alpha)
    {
        var n = network.Antennas;
        var point = network.TargetPositions[target];
        var at = Steering(n, Angle(network, transmitter, point));
        var ar = Steering(n, Angle(network, receiver, point));
        var g = new Complex[n * n];
        for (var r = 0; r < n; r++)
        {
            for (var c = 0; c < n; c++)
            {
                g[(r * n) + c] = alpha * ar[r] * Complex.Conjugate(at[c]);
            }
        }

        return g;
    }

    /// <summary>
    /// The derivatives of G_{l,j,m} (row-major N x N) with respect to p_jx, p_jy, Re alpha_{l,j}, Im alpha_{l,j} and those
    /// parameters' indices in xi; public so that batched re-implementations of <see cref="Fisher"/> (the BOBLRBF-DNN's torch
    /// objectives) use the very same geometry.
    /// </summary>
    public static (Complex[][] Derivatives, int[] Parameters) PathDerivatives(IsacNetwork network, int transmitter, int target, int receiver)
    {
        var n = network.Antennas;
        var point = network.TargetPositions[target];
        var departure = Angle(network, transmitter, point);
        var arrival = Angle(network, receiver, point);
        var (departureX, departureY) = AngleGradient(network.BaseStationPositions[transmitter], point);
        var (arrivalX, arrivalY) = AngleGradient(network.BaseStationPositions[receiver], point);
        var at = Steering(n, departure);
        var ar = Steering(n, arrival);
        var alpha = network.Reflection(transmitter, target);
        var derivatives = new Complex[4][];
        for (var d = 0; d < 4; d++)
        {
            derivatives[d] = new Complex[n * n];
        }

        for (var r = 0; r < n; r++)
        {
            // da/dtheta = j pi n cos(theta) a_n.
            var arDot = new Complex(0, Math.PI * r * Math.Cos(arrival)) * ar[r];
            for (var c = 0; c < n; c++)
            {
                var atConj = Complex.Conjugate(at[c]);
                var atDotConj = Complex.Conjugate(new Complex(0, Math.PI * c * Math.Cos(departure)) * at[c]);
                var h = ar[r] * atConj;
                var i = (r * n) + c;
                derivatives[0][i] = alpha * ((arDot * arrivalX * atConj) + (ar[r] * departureX * atDotConj));
                derivatives[1][i] = alpha * ((arDot * arrivalY * atConj) + (ar[r] * departureY * atDotConj));
                derivatives[2][i] = h;
                derivatives[3][i] = Complex.ImaginaryOne * h;
            }
        }

        var j = network.Targets;
        var l = network.BaseStations;
        int[] parameters =
        [
            2 * target,
            (2 * target) + 1,
            (2 * j) + (target * l) + transmitter,
            (2 * j) + (j * l) + (target * l) + transmitter,
        ];
        return (derivatives, parameters);
    }

    /// <summary>(d theta / dx, d theta / dy) of the angle from <paramref name="station"/> to <paramref name="point"/>.</summary>
    private static (double X, double Y) AngleGradient(Point2 station, Point2 point)
    {
        var dx = point.X - station.X;
        var dy = point.Y - station.Y;
        var squared = (dx * dx) + (dy * dy);
        return (-dy / squared, dx / squared);
    }

    private static void Multiply(Complex[] left, Complex[] right, Complex[] result, int n)
    {
        for (var r = 0; r < n; r++)
        {
            for (var c = 0; c < n; c++)
            {
                var sum = Complex.Zero;
                for (var k = 0; k < n; k++)
                {
                    sum += left[(r * n) + k] * right[(k * n) + c];
                }

                result[(r * n) + c] = sum;
            }
        }
    }
}
