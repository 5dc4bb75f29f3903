using BenchmarkDotNet.Attributes;
using Controller.Radio.Allocation;

namespace Controller.Benchmarks;

/// <summary>
/// WMMSE with 100 iterations on a gaussian-ic-like instance. Target (issue): under 1 ms at N = 100 on
/// one core and no allocation per call once the allocator's buffers exist.
/// </summary>
[Config(typeof(BenchmarkConfig))]
[MemoryDiagnoser]
public class WmmseBenchmarks
{
    private readonly WmmseAllocator _allocator = new(WmmseAllocator.DefaultIterations);
    private double[] _gains = [];
    private double[] _power = [];
    private double[] _reference = [];
    private double[] _direct = [];
    private double[] _v = [];
    private double[] _u = [];
    private double[] _w = [];

    /// <summary>Number of links.</summary>
    [Params(20, 100, 400)]
    public int N { get; set; }

    /// <summary>
    /// Draws the instance, sizes every buffer and checks that the baseline computes the same powers,
    /// so that the ratio compares two implementations of one algorithm.
    /// </summary>
    [GlobalSetup]
    public void Setup()
    {
        _gains = GaussianInstance.DrawGains(N);
        _power = new double[N];
        _reference = new double[N];
        _direct = new double[N];
        _v = new double[N];
        _u = new double[N];
        _w = new double[N];

        // The first call sizes the allocator's scratch buffers; every measured call reuses them.
        Library();
        ScalarReference();
        for (var i = 0; i < N; i++)
        {
            if (Math.Abs(_power[i] - _reference[i]) > 1e-6)
            {
                throw new InvalidOperationException($"Baseline and WmmseAllocator disagree at link {i}: {_reference[i]} vs {_power[i]}.");
            }
        }
    }

    /// <summary>
    /// The baseline: the same WMMSE written the direct way, with scalar loops and the paper's index order.
    /// Like the library it makes two O(N^2) passes over the gains per iteration (received power
    /// <c>sum_j G_ij v_j^2</c> row by row, then <c>sum_j w_j u_j^2 G_ji</c>, which this version reads
    /// column-wise with stride N), has no allocation, and gives the same powers (checked in setup).
    /// The ratio is therefore what SIMD and row-wise accumulation buy, not a difference in work; a
    /// rate evaluation baseline would instead compare one pass with two hundred.
    /// </summary>
    [Benchmark(Baseline = true, Description = "Scalar WMMSE (baseline)")]
    public double[] ScalarReference()
    {
        var n = N;
        var gains = _gains;
        var vMax = Math.Sqrt(GaussianInstance.MaxPower);
        for (var i = 0; i < n; i++)
        {
            _direct[i] = Math.Sqrt(gains[(i * n) + i]);
            _v[i] = vMax;
        }

        for (var iteration = 0; iteration < WmmseAllocator.DefaultIterations; iteration++)
        {
            for (var i = 0; i < n; i++)
            {
                var received = GaussianInstance.Noise;
                for (var j = 0; j < n; j++)
                {
                    received += gains[(i * n) + j] * _v[j] * _v[j];
                }

                _u[i] = _direct[i] * _v[i] / received;
                _w[i] = 1 / Math.Max(1 - (_u[i] * _direct[i] * _v[i]), 1e-300);
            }

            for (var i = 0; i < n; i++)
            {
                var denominator = 0.0;
                for (var j = 0; j < n; j++)
                {
                    denominator += _w[j] * _u[j] * _u[j] * gains[(j * n) + i];
                }

                _v[i] = denominator > 0 ? Math.Clamp(_w[i] * _u[i] * _direct[i] / denominator, 0, vMax) : 0;
            }
        }

        for (var i = 0; i < n; i++)
        {
            _reference[i] = _v[i] * _v[i];
        }

        return _reference;
    }

    /// <summary><see cref="WmmseAllocator.Run"/> with 100 iterations and no objective trace, one allocator reused.</summary>
    [Benchmark(Description = "WmmseAllocator.Run")]
    public double[] Library()
    {
        _allocator.Run(_gains, N, GaussianInstance.Noise, GaussianInstance.MaxPower, _power, objectiveTrace: default);
        return _power;
    }
}
