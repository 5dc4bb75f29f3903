namespace Controller.Optimization.Isac;

/// <summary>
/// The common-descent direction of paper 002's problem (22) (Fliege and Svaiter's steepest descent for several
/// objectives): min_{d, phi} phi + ||d||^2 / 2 subject to g_i^T d &lt;= phi for every gradient g_i. Its dual is
/// min over the simplex of ||sum_i lambda_i g_i||^2 / 2 with d = -sum_i lambda_i g_i and phi = max_i g_i^T d
/// (= -||d||^2 at the optimum): the point of minimum norm in the convex hull of the gradients. The dual has one
/// variable per gradient (a handful); Wolfe's minimum-norm-point algorithm solves it exactly on the Gram matrix
/// (an active-set method: affine minimisations over a support set, dropping points whose weight would turn negative).
/// </summary>
public static class CommonDescent
{
    /// <summary>Writes d into <paramref name="direction"/> and returns (phi, the simplex weights lambda).</summary>
    public static (double Phi, double[] Weights) Direction(IReadOnlyList<double[]> gradients, Span<double> direction, int maxIterations = 200)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        var count = gradients.Count;
        if (count == 0)
        {
            direction.Clear();
            return (0, []);
        }

        var gram = new double[count, count];
        var trace = 0.0;
        for (var i = 0; i < count; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var dot = Dot(gradients[i], gradients[j]);
                gram[i, j] = dot;
                gram[j, i] = dot;
            }

            trace += gram[i, i];
        }

        var weights = MinimumNormWeights(gram, count, trace, maxIterations);
        direction.Clear();
        for (var i = 0; i < count; i++)
        {
            var g = gradients[i];
            for (var k = 0; k < direction.Length; k++)
            {
                direction[k] -= weights[i] * g[k];
            }
        }

        var phi = double.NegativeInfinity;
        foreach (var g in gradients)
        {
            phi = Math.Max(phi, Dot(g, direction));
        }

        return (phi, weights);
    }

    /// <summary>Wolfe's algorithm on the Gram matrix: the simplex weights of the minimum-norm point of the hull.</summary>
    private static double[] MinimumNormWeights(double[,] gram, int count, double trace, int maxIterations)
    {
        var weights = new double[count];
        var first = 0;
        for (var i = 1; i < count; i++)
        {
            if (gram[i, i] < gram[first, first])
            {
                first = i;
            }
        }

        weights[first] = 1;
        if (trace <= 0)
        {
            return weights;
        }

        var support = new List<int> { first };
        var tolerance = 1e-12 * trace;
        var product = new double[count];
        for (var major = 0; major < maxIterations; major++)
        {
            // Optimal when no gradient has a smaller inner product with the current point x than x itself: g_j . x >= ||x||^2.
            var norm = 0.0;
            for (var i = 0; i < count; i++)
            {
                var sum = 0.0;
                for (var j = 0; j < count; j++)
                {
                    sum += gram[i, j] * weights[j];
                }

                product[i] = sum;
                norm += weights[i] * sum;
            }

            var entering = -1;
            var best = norm - tolerance;
            for (var i = 0; i < count; i++)
            {
                if (!support.Contains(i) && product[i] < best)
                {
                    best = product[i];
                    entering = i;
                }
            }

            if (entering < 0)
            {
                break;
            }

            support.Add(entering);
            for (var minor = 0; minor < count + 1; minor++)
            {
                var affine = AffineMinimum(gram, support, tolerance);
                if (affine.All(a => a > 0))
                {
                    Array.Clear(weights);
                    for (var s = 0; s < support.Count; s++)
                    {
                        weights[support[s]] = affine[s];
                    }

                    break;
                }

                // Move from the current weights toward the affine minimiser until the first weight reaches zero; drop it.
                var theta = 1.0;
                for (var s = 0; s < support.Count; s++)
                {
                    var current = weights[support[s]];
                    if (affine[s] <= 0 && current - affine[s] > 0)
                    {
                        theta = Math.Min(theta, current / (current - affine[s]));
                    }
                }

                for (var s = 0; s < support.Count; s++)
                {
                    weights[support[s]] += theta * (affine[s] - weights[support[s]]);
                }

                support.RemoveAll(i => weights[i] <= 1e-15);
                foreach (var i in Enumerable.Range(0, count).Where(i => !support.Contains(i)))
                {
                    weights[i] = 0;
                }
            }
        }

        var total = weights.Sum();
        for (var i = 0; i < count; i++)
        {
            weights[i] /= total;
        }

        return weights;
    }

    /// <summary>argmin ||sum_s a_s g_s||^2 subject to sum_s a_s = 1 over the support (the KKT system, with a tiny ridge).</summary>
    private static double[] AffineMinimum(double[,] gram, List<int> support, double ridge)
    {
        var m = support.Count;
        var system = new double[m + 1, m + 2];
        for (var r = 0; r < m; r++)
        {
            for (var c = 0; c < m; c++)
            {
                system[r, c] = gram[support[r], support[c]] + (r == c ? ridge : 0);
            }

            system[r, m] = 1;
            system[m, r] = 1;
        }

        system[m, m + 1] = 1;
        // Gaussian elimination with partial pivoting on [G 1; 1^T 0] [a; -mu] = [0; 1].
        for (var c = 0; c <= m; c++)
        {
            var pivot = c;
            for (var r = c + 1; r <= m; r++)
            {
                if (Math.Abs(system[r, c]) > Math.Abs(system[pivot, c]))
                {
                    pivot = r;
                }
            }

            for (var k = 0; k <= m + 1; k++)
            {
                (system[c, k], system[pivot, k]) = (system[pivot, k], system[c, k]);
            }

            for (var r = 0; r <= m; r++)
            {
                if (r != c && system[c, c] != 0)
                {
                    var factor = system[r, c] / system[c, c];
                    for (var k = c; k <= m + 1; k++)
                    {
                        system[r, k] -= factor * system[c, k];
                    }
                }
            }
        }

        var result = new double[m];
        for (var r = 0; r < m; r++)
        {
            result[r] = system[r, m + 1] / system[r, r];
        }

        return result;
    }

    /// <summary>Euclidean projection onto the probability simplex (sort-based, exact).</summary>
    internal static void ProjectOntoSimplex(Span<double> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        Array.Reverse(sorted);
        var cumulative = 0.0;
        var threshold = 0.0;
        for (var i = 0; i < sorted.Length; i++)
        {
            cumulative += sorted[i];
            var candidate = (cumulative - 1) / (i + 1);
            if (sorted[i] - candidate > 0)
            {
                threshold = candidate;
            }
        }

        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Math.Max(0, values[i] - threshold);
        }
    }

    internal static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
