using BenchmarkDotNet.Attributes;
using Controller.Radio.Allocation;
using Controller.Radio.Channels;

namespace Controller.Benchmarks;

/// <summary>
/// Rate evaluation, one O(N^2) pass: the compact link form used after power allocation and the
/// full-matrix form used by evaluation, on the same gains and powers.
/// </summary>
[Config(typeof(BenchmarkConfig))]
[MemoryDiagnoser]
public class RateBenchmarks
{
    private double[] _gains = [];
    private GainMatrix _matrix = new(0, 0);
    private int[] _servedReceiver = [];
    private double[] _power = [];
    private double[] _rates = [];

    /// <summary>Number of links (transmitter i serves receiver i).</summary>
    [Params(20, 100, 400)]
    public int N { get; set; }

    /// <summary>Draws gains and powers once per N.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _gains = GaussianInstance.DrawGains(N);
        _matrix = GaussianInstance.ToMatrix(_gains, N);
        _servedReceiver = Enumerable.Range(0, N).ToArray();
        _power = GaussianInstance.DrawPowers(N);
        _rates = new double[N];
    }

    /// <summary><see cref="Sinr.ComputeLinkRates"/> on compact N x N gains.</summary>
    [Benchmark(Baseline = true, Description = "Sinr.ComputeLinkRates")]
    public double[] LinkRates()
    {
        Sinr.ComputeLinkRates(_gains, N, _power, GaussianInstance.Noise, _rates);
        return _rates;
    }

    /// <summary><see cref="Sinr.ComputeRates"/> on a <see cref="GainMatrix"/> with a one-to-one selection.</summary>
    [Benchmark(Description = "Sinr.ComputeRates (GainMatrix)")]
    public double[] MatrixRates()
    {
        Sinr.ComputeRates(_matrix, _servedReceiver, _power, GaussianInstance.Noise, _rates);
        return _rates;
    }
}
