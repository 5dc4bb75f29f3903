using System.Numerics.Tensors;

namespace Controller.Radio.Allocation;

/// <summary>
/// WMMSE for the SISO interference channel (Shi, Razaviyayn, Luo, Hua 2011), the spec's form:
/// start at full power, then repeat
/// <c>u_i = sqrt(G_ii) v_i / (N0 + sum_j G_ij v_j^2)</c>, <c>w_i = 1 / (1 - u_i sqrt(G_ii) v_i)</c>,
/// <c>v_i = clip(w_i u_i sqrt(G_ii) / sum_j w_j u_j^2 G_ji, 0, sqrt(Pmax))</c>; powers are v^2.
/// Both sums are row-wise passes over the row-major gains (dot products and row-scaled accumulation),
/// so the inner loops run on SIMD and no iteration allocates.
/// </summary>
public sealed class WmmseAllocator(int iterations = WmmseAllocator.DefaultIterations) : IPowerAllocator
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

    /// <inheritdoc />
    public void Allocate(LinkSet links, Span<double> power)
    {
        ArgumentNullException.ThrowIfNull(links);
        Run(links.Gains, links.Count, links.Noise, links.MaxPower, power[..links.Count], objectiveTrace: default);
    }

    /// <summary>
    /// Runs WMMSE on compact gains. When <paramref name="objectiveTrace"/> is not empty, entry k receives
    /// the weighted sum-MSE objective <c>sum_i (w_i e_i - log w_i)</c> after iteration k, which block
    /// coordinate descent never increases.
    /// </summary>
    public void Run(ReadOnlySpan<double> gains, int count, double noise, double maxPower, Span<double> power, Span<double> objectiveTrace)
    {
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

            for (var i = 0; i < count; i++)
            {
                var numerator = w[i] * u[i] * direct[i];
                v[i] = denominator[i] > 0 ? Math.Clamp(numerator / denominator[i], 0, vMax) : 0;
                // Powers below 1e-200 of the maximum are zero for every rate; snapping them keeps the
                // fixed-point skip above effective and subnormals out of the sums.
                if (v[i] < vMax * 1e-100)
                {
                    v[i] = 0;
                }
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
