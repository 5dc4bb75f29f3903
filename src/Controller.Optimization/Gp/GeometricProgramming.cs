namespace Controller.Optimization.Gp;

/// <summary>The outcome of the feasibility check of a rate-constrained power problem.</summary>
/// <param name="Feasible">True when the demands can all be met within the power box.</param>
/// <param name="SpectralRadius">Perron root of the normalized interference matrix of the users with a demand (0 when at most one has one).</param>
/// <param name="MinimumPower">The least powers meeting every demand (each user's), valid when the spectral radius is below 1; 0 for users without a demand.</param>
/// <param name="Reason">Why the problem is infeasible, or empty.</param>
public sealed record GpFeasibility(bool Feasible, double SpectralRadius, double[] MinimumPower, string Reason);

/// <summary>
/// Paper 001's GP benchmark (its reference [3], Chiang et al., "Power control by geometric programming"): maximize the sum
/// rate of N one-to-one links subject to each link's rate demand <c>R_i &gt;= u_i</c> and <c>0 &lt;= p_i &lt;= Pmax</c>.
/// <list type="bullet">
/// <item><b>Feasibility</b> (<see cref="Check"/>; the paper checks it with its reference [37]): with SINR targets
/// <c>g_i = 2^u_i - 1</c> on the users with a demand (set D), the normalized interference matrix
/// <c>F_ij = g_i G_ij / G_ii</c> (i != j in D) and <c>v_i = g_i N0 / G_ii</c>, the demands can be met iff the Perron root
/// of F is below 1 and the least powers <c>p* = (I - F)^-1 v</c> lie within Pmax (users without a demand off).</item>
/// <item><b>Solution</b> (<see cref="Solve"/>): successive convex approximation, [3]'s condensation for the low-SINR
/// regime. At the current powers each <c>log(1 + SINR_i)</c> is bounded below by the monomial
/// <c>a_i log SINR_i + b_i</c> (a_i = SINR_i / (1 + SINR_i)), tight there; in y = log p that bound and every constraint
/// <c>log SINR_i &gt;= log g_i</c> are concave, so each approximation is a geometric program. Its KKT point is found by
/// the weighted fixed point <c>p_k = w_k / sum_{i != k} w_i G_ik / I_i</c> (clipped to the box) with weights
/// <c>w_i = a_i + mu_i</c> and the constraints' multipliers mu_i moved by a projected subgradient step on
/// <c>log g_i - log SINR_i</c>, followed by a few monotone power-control sweeps that raise users short of their demand;
/// the approximation is refreshed every step. The best iterate that meets every demand
/// (checked on exact rates) is returned, starting from p* itself, so a feasible problem always gets a feasible answer.</item>
/// </list>
/// Everything is deterministic; the work per call is O(iterations N^2).
/// </summary>
public static class GeometricProgramming
{
    /// <summary>SCA steps of <see cref="Solve"/>.</summary>
    public const int DefaultIterations = 300;

    /// <summary>Step of the multipliers (on log SINR).</summary>
    public const double MultiplierStep = 0.5;

    /// <summary>
    /// Checks whether <paramref name="demands"/> (bps/Hz, 0 = none) can be met on the channel <paramref name="gains"/>
    /// (n x n, row-major <c>[receiver, transmitter]</c>) among the users marked in <paramref name="on"/> (the others are
    /// off and neither interfere nor have demands).
    /// </summary>
    public static GpFeasibility Check(ReadOnlySpan<double> gains, int n, ReadOnlySpan<bool> on, ReadOnlySpan<double> demands, double noise, double maxPower)
    {
        Require(gains, n, on, demands, noise, maxPower);
        var constrained = new List<int>();
        for (var i = 0; i < n; i++)
        {
            if (on[i] && demands[i] > 0)
            {
                constrained.Add(i);
            }
        }

        var minimum = new double[n];
        var m = constrained.Count;
        if (m == 0)
        {
            return new GpFeasibility(true, 0, minimum, string.Empty);
        }

        var f = new double[m * m];
        var v = new double[m];
        for (var a = 0; a < m; a++)
        {
            var i = constrained[a];
            var target = Math.Pow(2, demands[i]) - 1;
            var direct = gains[(i * n) + i];
            if (!(direct > 0))
            {
                return new GpFeasibility(false, double.PositiveInfinity, minimum, $"user {i} has no direct channel and a demand of {demands[i]}");
            }

            v[a] = target * noise / direct;
            for (var b = 0; b < m; b++)
            {
                f[(a * m) + b] = a == b ? 0 : target * gains[(i * n) + constrained[b]] / direct;
            }
        }

        var radius = SpectralRadius(f, m);
        if (!(radius < 1))
        {
            return new GpFeasibility(false, radius, minimum, $"the normalized interference matrix has spectral radius {radius:G4} >= 1: no powers meet the demands");
        }

        // p* = (I - F)^-1 v by Gaussian elimination with partial pivoting.
        var matrix = new double[m * m];
        for (var a = 0; a < m; a++)
        {
            for (var b = 0; b < m; b++)
            {
                matrix[(a * m) + b] = (a == b ? 1 : 0) - f[(a * m) + b];
            }
        }

        var p = SolveLinear(matrix, v, m);
        for (var a = 0; a < m; a++)
        {
            minimum[constrained[a]] = Math.Max(0, p[a]);
        }

        for (var a = 0; a < m; a++)
        {
            if (p[a] > maxPower * (1 + 1e-12))
            {
                return new GpFeasibility(false, radius, minimum, $"meeting the demands needs {p[a]:G4} at user {constrained[a]}, above Pmax {maxPower:G4}");
            }
        }

        return new GpFeasibility(true, radius, minimum, string.Empty);
    }

    /// <summary>
    /// The GP allocation into <paramref name="power"/>: the highest-sum-rate powers found that meet every demand, when
    /// <paramref name="feasibility"/> says the problem is feasible; all zero (and false) otherwise.
    /// </summary>
    public static bool Solve(ReadOnlySpan<double> gains, int n, ReadOnlySpan<bool> on, ReadOnlySpan<double> demands, double noise, double maxPower, GpFeasibility feasibility, Span<double> power, int iterations = DefaultIterations)
    {
        Require(gains, n, on, demands, noise, maxPower);
        ArgumentNullException.ThrowIfNull(feasibility);
        power[..n].Clear();
        if (!feasibility.Feasible)
        {
            return false;
        }

        var best = new double[n];
        for (var i = 0; i < n; i++)
        {
            best[i] = on[i] ? Math.Min(maxPower, feasibility.MinimumPower[i]) : 0;
        }

        var bestRate = Meets(gains, n, on, demands, noise, best, out var rate) ? rate : double.NegativeInfinity;
        var p = new double[n];
        var floor = maxPower * 1e-6;
        for (var i = 0; i < n; i++)
        {
            p[i] = on[i] ? Math.Clamp(best[i], floor, maxPower) : 0;
            if (on[i] && demands[i] <= 0)
            {
                p[i] = Math.Max(p[i], maxPower * 1e-2);
            }
        }

        var mu = new double[n];
        var weight = new double[n];
        var interference = new double[n];
        var sinr = new double[n];
        var candidate = new double[n];
        for (var step = 0; step < iterations; step++)
        {
            Sinrs(gains, n, on, noise, p, interference, sinr);
            for (var i = 0; i < n; i++)
            {
                if (!on[i])
                {
                    continue;
                }

                if (demands[i] > 0)
                {
                    var target = Math.Pow(2, demands[i]) - 1;
                    mu[i] = Math.Max(0, mu[i] + (MultiplierStep * (Math.Log(target) - Math.Log(Math.Max(sinr[i], 1e-300)))));
                }

                weight[i] = (sinr[i] / (1 + sinr[i])) + mu[i];
            }

            for (var k = 0; k < n; k++)
            {
                if (!on[k])
                {
                    continue;
                }

                var denominator = 0.0;
                for (var i = 0; i < n; i++)
                {
                    if (i != k && on[i])
                    {
                        denominator += weight[i] * gains[(i * n) + k] / interference[i];
                    }
                }

                candidate[k] = denominator > 0 ? Math.Clamp(weight[k] / denominator, floor, maxPower) : maxPower;
            }

            Repair(gains, n, on, demands, noise, maxPower, candidate);
            candidate.AsSpan(0, n).CopyTo(p);
            if (Meets(gains, n, on, demands, noise, p, out rate) && rate > bestRate)
            {
                bestRate = rate;
                p.AsSpan(0, n).CopyTo(best);
            }
        }

        best.AsSpan(0, n).CopyTo(power);
        return !double.IsNegativeInfinity(bestRate);
    }

    /// <summary>Repair sweeps after each SCA step: <see cref="Solve"/>'s projection toward the demands.</summary>
    public const int RepairSweeps = 20;

    /// <summary>
    /// Raises, sweep after sweep (Gauss-Seidel), each user with a demand to the least power that meets it against the
    /// current interference (at most Pmax): the monotone power-control step of the feasibility problem, which moves an
    /// SCA iterate that the multipliers left slightly short back onto the demands when that is possible.
    /// </summary>
    private static void Repair(ReadOnlySpan<double> gains, int n, ReadOnlySpan<bool> on, ReadOnlySpan<double> demands, double noise, double maxPower, Span<double> power)
    {
        for (var sweep = 0; sweep < RepairSweeps; sweep++)
        {
            var raised = false;
            for (var i = 0; i < n; i++)
            {
                if (!on[i] || demands[i] <= 0)
                {
                    continue;
                }

                var interference = noise;
                for (var j = 0; j < n; j++)
                {
                    if (j != i && on[j])
                    {
                        interference += gains[(i * n) + j] * power[j];
                    }
                }

                var needed = Math.Min(maxPower, (Math.Pow(2, demands[i]) - 1) * interference / gains[(i * n) + i]);
                if (needed > power[i])
                {
                    power[i] = needed;
                    raised = true;
                }
            }

            if (!raised)
            {
                return;
            }
        }
    }

    /// <summary>True when every user that is on with a demand reaches it (to 1e-9 bps/Hz) under <paramref name="power"/>; <paramref name="sumRate"/> is the users' sum rate.</summary>
    public static bool Meets(ReadOnlySpan<double> gains, int n, ReadOnlySpan<bool> on, ReadOnlySpan<double> demands, double noise, ReadOnlySpan<double> power, out double sumRate)
    {
        sumRate = 0;
        var meets = true;
        for (var i = 0; i < n; i++)
        {
            if (!on[i])
            {
                continue;
            }

            var interference = noise;
            for (var j = 0; j < n; j++)
            {
                if (j != i && on[j])
                {
                    interference += gains[(i * n) + j] * power[j];
                }
            }

            var rate = Math.Log2(1 + (gains[(i * n) + i] * power[i] / interference));
            sumRate += rate;
            meets &= rate >= demands[i] - 1e-9;
        }

        return meets;
    }

    /// <summary>
    /// The Perron root of the nonnegative m x m matrix <paramref name="matrix"/>: power iteration on I + F from the all-ones
    /// vector (I + F has the same Perron vector, its root is one more, and it is not periodic, so the iteration converges
    /// also for a matrix such as [[0, a], [b, 0]]), bracketed by the Collatz-Wielandt bounds.
    /// </summary>
    public static double SpectralRadius(ReadOnlySpan<double> matrix, int m)
    {
        var x = new double[m];
        var y = new double[m];
        Array.Fill(x, 1.0);
        double estimate = 0;
        for (var iteration = 0; iteration < 2000; iteration++)
        {
            double largest = 0;
            for (var a = 0; a < m; a++)
            {
                var sum = x[a];
                for (var b = 0; b < m; b++)
                {
                    sum += matrix[(a * m) + b] * x[b];
                }

                y[a] = sum;
                largest = Math.Max(largest, sum);
            }


            // Collatz-Wielandt: min and max of (F x)_a / x_a bracket the Perron root.
            double low = double.PositiveInfinity, high = 0;
            for (var a = 0; a < m; a++)
            {
                if (x[a] > 0)
                {
                    low = Math.Min(low, y[a] / x[a]);
                    high = Math.Max(high, y[a] / x[a]);
                }
            }

            estimate = ((low + high) / 2) - 1;
            for (var a = 0; a < m; a++)
            {
                x[a] = y[a] / largest;
            }

            if (high - low <= 1e-12 * Math.Max(1, high))
            {
                break;
            }
        }

        return Math.Max(0, estimate);
    }

    private static double[] SolveLinear(double[] matrix, double[] right, int m)
    {
        var a = (double[])matrix.Clone();
        var b = (double[])right.Clone();
        for (var column = 0; column < m; column++)
        {
            var pivot = column;
            for (var row = column + 1; row < m; row++)
            {
                if (Math.Abs(a[(row * m) + column]) > Math.Abs(a[(pivot * m) + column]))
                {
                    pivot = row;
                }
            }

            if (pivot != column)
            {
                for (var k = 0; k < m; k++)
                {
                    (a[(column * m) + k], a[(pivot * m) + k]) = (a[(pivot * m) + k], a[(column * m) + k]);
                }

                (b[column], b[pivot]) = (b[pivot], b[column]);
            }

            var diagonal = a[(column * m) + column];
            for (var row = column + 1; row < m; row++)
            {
                var factor = a[(row * m) + column] / diagonal;
                if (factor == 0)
                {
                    continue;
                }

                for (var k = column; k < m; k++)
                {
                    a[(row * m) + k] -= factor * a[(column * m) + k];
                }

                b[row] -= factor * b[column];
            }
        }

        var x = new double[m];
        for (var row = m - 1; row >= 0; row--)
        {
            var sum = b[row];
            for (var k = row + 1; k < m; k++)
            {
                sum -= a[(row * m) + k] * x[k];
            }

            x[row] = sum / a[(row * m) + row];
        }

        return x;
    }

    private static void Sinrs(ReadOnlySpan<double> gains, int n, ReadOnlySpan<bool> on, double noise, ReadOnlySpan<double> power, Span<double> interference, Span<double> sinr)
    {
        for (var i = 0; i < n; i++)
        {
            var sum = noise;
            for (var j = 0; j < n; j++)
            {
                if (j != i && on[j])
                {
                    sum += gains[(i * n) + j] * power[j];
                }
            }

            interference[i] = sum;
            sinr[i] = on[i] ? gains[(i * n) + i] * power[i] / sum : 0;
        }
    }

    private static void Require(ReadOnlySpan<double> gains, int n, ReadOnlySpan<bool> on, ReadOnlySpan<double> demands, double noise, double maxPower)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (gains.Length != n * n || on.Length < n || demands.Length < n)
        {
            throw new ArgumentException($"{n} users need {n * n} gains, {n} on flags and {n} demands (got {gains.Length}, {on.Length}, {demands.Length}).");
        }

        if (!(noise > 0) || !(maxPower > 0) || !double.IsFinite(noise) || !double.IsFinite(maxPower))
        {
            throw new ArgumentOutOfRangeException(nameof(noise), "The noise power and Pmax must be positive and finite.");
        }
    }
}
