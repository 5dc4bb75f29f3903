using System.Numerics;
using Controller.Radio.Channels;
using Controller.Radio.Isac;
using Controller.Radio.Randomness;
using Controller.Radio.Scenarios;

namespace Controller.Radio.Tests.Isac;

/// <summary>Every analytic derivative of the ISAC model against central finite differences.</summary>
public sealed class IsacDerivativeTests
{
    private static readonly IsacScenario Scenario = new();

    internal static IsacNetwork DefaultNetwork(params (string Key, string Value)[] overrides)
        => Scenario.CreateNetwork(Scenario.Resolve(overrides.Select(o => new KeyValuePair<string, string>(o.Key, o.Value))), 3, 0);

    /// <summary>A design with every entry nonzero (random directions at full power), so no derivative vanishes by accident.</summary>
    internal static double[] RandomBeams(IsacNetwork network, ulong seed)
    {
        var random = new SeededRandom(seed);
        var beams = new double[network.BeamLength];
        for (var i = 0; i < beams.Length; i++)
        {
            beams[i] = random.NextGaussian();
        }

        for (var l = 0; l < network.BaseStations; l++)
        {
            var (start, length) = network.BeamBlock(l);
            var scale = Math.Sqrt(network.PowerBudgets[l] / network.Power(beams, l));
            foreach (ref var x in beams.AsSpan(start, length))
            {
                x *= scale;
            }
        }

        return beams;
    }

    [Fact]
    public void PathDerivatives_PositionsAndReflection_MatchFiniteDifferencesOfTheResponse()
    {
        var network = DefaultNetwork();
        const double Step = 1e-5;
        var worst = 0.0;
        for (var l = 0; l < network.BaseStations; l++)
        {
            for (var j = 0; j < network.Targets; j++)
            {
                for (var m = 0; m < network.BaseStations; m++)
                {
                    var (derivatives, parameters) = IsacSensing.PathDerivatives(network, l, j, m);
                    Assert.Equal([2 * j, (2 * j) + 1, 4 + (j * 3) + l, 10 + (j * 3) + l], parameters);
                    var alpha = network.Reflection(l, j);
                    Complex[] Moved(double dx, double dy, Complex dAlpha)
                    {
                        var targets = network.TargetPositions.ToArray();
                        targets[j] = new Point2(targets[j].X + dx, targets[j].Y + dy);
                        return IsacSensing.PathResponse(network.WithTargets(targets), l, j, m, alpha + dAlpha);
                    }

                    var numeric = new[]
                    {
                        Difference(Moved(Step, 0, 0), Moved(-Step, 0, 0), 2 * Step),
                        Difference(Moved(0, Step, 0), Moved(0, -Step, 0), 2 * Step),
                        Difference(Moved(0, 0, Step * 1e-6), Moved(0, 0, -Step * 1e-6), 2 * Step * 1e-6),
                        Difference(Moved(0, 0, new Complex(0, Step * 1e-6)), Moved(0, 0, new Complex(0, -Step * 1e-6)), 2 * Step * 1e-6),
                    };
                    for (var d = 0; d < 4; d++)
                    {
                        var scale = derivatives[d].Max(z => z.Magnitude);
                        Assert.True(scale > 0, $"derivative {d} of path ({l}, {j}, {m}) is zero");
                        for (var i = 0; i < numeric[d].Length; i++)
                        {
                            worst = Math.Max(worst, (derivatives[d][i] - numeric[d][i]).Magnitude / scale);
                        }
                    }
                }
            }
        }

        Assert.True(worst < 1e-6, $"largest relative difference {worst:E2}");
    }

    [Fact]
    public void Fisher_PositionBlock_EqualsFiniteDifferenceInformationOfTheEchoMean()
    {
        // F_pp from the definition (2T / sigma^2) sum Re tr(dG_a R dG_b^H) with dG by finite differences of G.
        var network = DefaultNetwork();
        var beams = RandomBeams(network, 5);
        var fisher = IsacSensing.Fisher(network, beams);
        const double Step = 1e-5;
        var n = network.Antennas;
        var scale = 2.0 * network.Samples / network.SensingNoise;
        for (var a = 0; a < 2 * network.Targets; a++)
        {
            for (var b = 0; b < 2 * network.Targets; b++)
            {
                var expected = 0.0;
                for (var l = 0; l < network.BaseStations; l++)
                {
                    var covariance = IsacSensing.Covariance(network, beams, l);
                    for (var m = 0; m < network.BaseStations; m++)
                    {
                        for (var j = 0; j < network.Targets; j++)
                        {
                            var da = PositionDifference(network, l, j, m, a, Step);
                            var db = PositionDifference(network, l, j, m, b, Step);
                            // tr(dG_b R dG_a^H) = sum_{r,k,q} dG_b[r,k] R[k,q] conj(dG_a[r,q]).
                            var sum = Complex.Zero;
                            for (var r = 0; r < n; r++)
                            {
                                for (var k = 0; k < n; k++)
                                {
                                    for (var q = 0; q < n; q++)
                                    {
                                        sum += db[(r * n) + k] * covariance[(k * n) + q] * Complex.Conjugate(da[(r * n) + q]);
                                    }
                                }
                            }

                            expected += scale * sum.Real;
                        }
                    }
                }

                Assert.True(Math.Abs(fisher[a, b] - expected) <= 1e-5 * Math.Abs(fisher[a, a]), $"F[{a},{b}] = {fisher[a, b]:E6}, finite differences {expected:E6}");
            }
        }
    }

    [Fact]
    public void CrlbGradient_MatchesFiniteDifferences()
    {
        var network = DefaultNetwork();
        var beams = RandomBeams(network, 7);
        var gradient = new double[beams.Length];
        var crlb = IsacSensing.CrlbGradient(network, beams, gradient);
        Assert.Equal(IsacSensing.Crlb(network, beams), crlb, 12);
        Assert.True(crlb is > 0 and < double.PositiveInfinity);
        AssertGradient(gradient, beams, x => IsacSensing.Crlb(network, x), 1e-4, "CRLB");
    }

    [Fact]
    public void WeightedSumRateGradient_BeamsAndErrors_MatchFiniteDifferences()
    {
        var network = DefaultNetwork(("users", "2"));
        var beams = RandomBeams(network, 11);
        var random = new SeededRandom(13);
        var errors = new double[network.ErrorLength];
        var radii = IsacCommunication.ErrorRadii(network, 0.1);
        for (var i = 0; i < errors.Length; i++)
        {
            errors[i] = random.NextGaussian() * radii[i / (2 * network.Antennas)] * 0.3;
        }

        var beamGradient = new double[beams.Length];
        var errorGradient = new double[errors.Length];
        var wsr = IsacCommunication.WeightedSumRateGradient(network, beams, errors, beamGradient, errorGradient);
        Assert.Equal(IsacCommunication.WeightedSumRate(network, beams, errors), wsr, 12);
        AssertGradient(beamGradient, beams, x => IsacCommunication.WeightedSumRate(network, x, errors), 1e-4, "WSR by beams");
        AssertGradient(errorGradient, errors, x => IsacCommunication.WeightedSumRate(network, beams, x), 1e-4, "WSR by errors");
    }

    private static Complex[] PositionDifference(IsacNetwork network, int l, int j, int m, int parameter, double step)
    {
        var n = network.Antennas;
        if (parameter / 2 != j)
        {
            return new Complex[n * n];
        }

        Complex[] At(double delta)
        {
            var targets = network.TargetPositions.ToArray();
            targets[j] = parameter % 2 == 0 ? targets[j] with { X = targets[j].X + delta } : targets[j] with { Y = targets[j].Y + delta };
            return IsacSensing.PathResponse(network.WithTargets(targets), l, j, m, network.Reflection(l, j));
        }

        return Difference(At(step), At(-step), 2 * step);
    }

    private static Complex[] Difference(Complex[] plus, Complex[] minus, double width)
        => [.. plus.Zip(minus, (p, q) => (p - q) / width)];

    /// <summary>Central differences along every coordinate with a step relative to the vector's scale.</summary>
    private static void AssertGradient(double[] analytic, double[] point, Func<double[], double> function, double tolerance, string what)
    {
        var scale = Math.Sqrt(point.Sum(x => x * x) / point.Length);
        var step = 1e-6 * scale;
        var largest = analytic.Max(Math.Abs);
        Assert.True(largest > 0, $"{what}: the gradient is zero");
        var copy = (double[])point.Clone();
        for (var i = 0; i < point.Length; i++)
        {
            copy[i] = point[i] + step;
            var up = function(copy);
            copy[i] = point[i] - step;
            var down = function(copy);
            copy[i] = point[i];
            var numeric = (up - down) / (2 * step);
            Assert.True(Math.Abs(numeric - analytic[i]) <= tolerance * largest, $"{what}: coordinate {i}: analytic {analytic[i]:E6}, finite differences {numeric:E6}");
        }
    }
}
