using System.Numerics.Tensors;

namespace Controller.Radio.Allocation;

/// <summary>
/// WMMSE for the SISO interference channel (Shi, Razaviyayn, Luo, Hua 2011), the spec's form:
/// start at full power, then repeat
/// <c>u_i = sqrt(G_ii) v_i / (N0 + sum_j G_ij v_j^2)</c>, <c>w_i = 1 / (1 - u_i sqrt(G_ii) v_i)</c>,
/// <c>v_i = clip(w_i u_i sqrt(G_ii) / sum_j w_j u_j^2 G_ji, 0, sqrt(Pmax))</c>; powers are v^2.
/// Both sums are row-wise passes over the row-major gains (dot products and row-scaled accumulation),
/// so the inner loops run on SIMD and no iteration allocates.
/// <para>
/// With <c>budgeted</c> the v-step also keeps the network's total power budget, <c>sum_i v_i^2 &lt;= B</c>:
/// the step's subproblem is separable but for that one constraint, so its exact solution is
/// <c>v_i = clip(w_i u_i sqrt(G_ii) / (sum_j w_j u_j^2 G_ji + nu), 0, sqrt(Pmax))</c> with the smallest
/// <c>nu &gt;= 0</c> that meets the budget (found by bisection; the sum falls as nu grows). The iteration stays
/// block-coordinate descent, so the objective still never increases after the first step.
/// </para>
/// </summary>
public sealed class WmmseAllocator(int iterations = WmmseAllocator.DefaultIterations, bool budgeted = false) : IPowerAllocator
{
    /// <summary>Iterations when none are given (paper 001's and 003's setting).</summary>
    public const int DefaultIterations = 100;

    private double[] _direct = [];
    private double[] _v = [];
    private double[] _vSquared = [];
    private double[] _u = [];
    private double[] _w = [];
    private double[] _weights = [];
    private double[] _denominator = [];

    /// <summary>Number of block-coordinate iterations.</summary>
    public int Iterations { get; } = iterations > 0 ? iterations : throw new ArgumentOutOfRangeException(nameof(iterations), iterations, "WMMSE needs at least one iteration.");

    /// <summary>Whether every decision keeps the network's total power budget (<see cref="LinkSet.PowerBudget"/>).</summary>
    public bool Budgeted { get; } = budgeted;

    /// <inheritdoc />
    public void Allocate(LinkSet links, Span<double> power)
    {
        ArgumentNullException.ThrowIfNull(links);
        Run(links.Gains, links.Count, links.Noise, links.MaxPower, power[..links.Count], objectiveTrace: default,
            Budgeted ? links.PowerBudget : double.PositiveInfinity);
    }

    /// <summary>
    /// Runs WMMSE on compact gains. When <paramref name="objectiveTrace"/> is not empty, entry k receives
    /// the weighted sum-MSE objective <c>sum_i (w_i e_i - log w_i)</c> after iteration k, which block
    /// coordinate descent never increases. A finite <paramref name="powerBudget"/> bounds the total power of every step.
    /// </summary>
    public void Run(ReadOnlySpan<double> gains, int count, double noise, double maxPower, Span<double> power, Span<double> objectiveTrace,
        double powerBudget = double.PositiveInfinity)
    {
        if (!(powerBudget >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(powerBudget), powerBudget, "The power budget must be a number >= 0.");
        }

        if (count == 0)
        {
            return;
        }

        EnsureCapacity(count);
        var direct = _direct.AsSpan(0, count);
        var v = _v.AsSpan(0, count);
        var vSquared = _vSquared.AsSpan(0, count);
        var u = _u.AsSpan(0, count);
        var w = _w.AsSpan(0, count);
        var weights = _weights.AsSpan(0, count);
        var denominator = _denominator.AsSpan(0, count);
        var vMax = Math.Sqrt(maxPower);
        for (var i = 0; i < count; i++)
        {
            direct[i] = Math.Sqrt(gains[(i * count) + i]);
            v[i] = vMax;
        }

        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            TensorPrimitives.Multiply(v, v, vSquared);
            for (var i = 0; i < count; i++)
            {
                if (v[i] == 0)
                {
                    // v = 0 is a fixed point (u = 0, w = 1, weight 0): skip its row's dot product.
                    (u[i], w[i], weights[i]) = (0, 1, 0);
                    continue;
                }

                var received = noise + TensorPrimitives.Dot(gains.Slice(i * count, count), vSquared);
                u[i] = direct[i] * v[i] / received;
                var error = 1 - (u[i] * direct[i] * v[i]);
                // error is noise / received > 0 in exact arithmetic; guard against rounding at extreme SINR.
                w[i] = 1 / Math.Max(error, 1e-300);
                weights[i] = w[i] * u[i] * u[i];
            }

            // denominator_i = sum_j w_j u_j^2 G_ji: accumulate row j scaled by its weight.
            denominator.Clear();
            for (var j = 0; j < count; j++)
            {
                if (weights[j] != 0)
                {
                    TensorPrimitives.MultiplyAdd(gains.Slice(j * count, count), weights[j], denominator, denominator);
                }
            }

            // numerator_i = w_i u_i sqrt(G_ii), kept in weights (its old content is spent).
            for (var i = 0; i < count; i++)
            {
                weights[i] = w[i] * u[i] * direct[i];
            }

            var price = UpdateV(weights, denominator, vMax, 0, v);
            if (price > powerBudget)
            {
                // Bisect the budget's multiplier nu: at nu = sqrt(sum numerator^2 / B) the unclipped powers alone meet it.
                var low = 0.0;
                var high = Math.Sqrt(TensorPrimitives.SumOfSquares(weights) / Math.Max(powerBudget, double.Epsilon));
                for (var step = 0; step < 100 && high - low > high * 1e-12; step++)
                {
                    var middle = 0.5 * (low + high);
                    if (UpdateV(weights, denominator, vMax, middle, v) > powerBudget)
                    {
                        low = middle;
                    }
                    else
                    {
                        high = middle;
                    }
                }

                // The upper end always meets the budget.
                UpdateV(weights, denominator, vMax, high, v);
            }

            if (iteration < objectiveTrace.Length)
            {
                objectiveTrace[iteration] = Objective(gains, count, noise, direct, u, w, v, vSquared);
            }
        }

        TensorPrimitives.Multiply(v, v, power);
        // sqrt(Pmax)^2 can round one ulp above Pmax; allocators promise powers in [0, Pmax].
        TensorPrimitives.Min(power, maxPower, power);
    }

    /// <summary>Sets <c>v_i = clip(numerator_i / (denominator_i + nu), 0, vMax)</c> and returns the total power <c>sum v_i^2</c>.</summary>
    private static double UpdateV(ReadOnlySpan<double> numerator, ReadOnlySpan<double> denominator, double vMax, double nu, Span<double> v)
    {
        var total = 0.0;
        for (var i = 0; i < v.Length; i++)
        {
            var scale = denominator[i] + nu;
            var value = scale > 0 ? Math.Clamp(numerator[i] / scale, 0, vMax) : 0;
            // Powers below 1e-200 of the maximum are zero for every rate; snapping them keeps the
            // fixed-point skip above effective and subnormals out of the sums.
            if (value < vMax * 1e-100)
            {
                value = 0;
            }

            v[i] = value;
            total += value * value;
        }

        return total;
    }

    private static double Objective(ReadOnlySpan<double> gains, int count, double noise, ReadOnlySpan<double> direct, ReadOnlySpan<double> u, ReadOnlySpan<double> w, ReadOnlySpan<double> v, Span<double> vSquared)
    {
        TensorPrimitives.Multiply(v, v, vSquared);
        var total = 0.0;
        for (var i = 0; i < count; i++)
        {
            var received = noise + TensorPrimitives.Dot(gains.Slice(i * count, count), vSquared);
            var error = 1 - (2 * u[i] * direct[i] * v[i]) + (u[i] * u[i] * received);
            total += (w[i] * error) - Math.Log(w[i]);
        }

        return total;
    }

    private void EnsureCapacity(int count)
    {
        if (_direct.Length >= count)
        {
            return;
        }

        _direct = new double[count];
        _v = new double[count];
        _vSquared = new double[count];
        _u = new double[count];
        _w = new double[count];
        _weights = new double[count];
        _denominator = new double[count];
    }
}
