using System.Globalization;
using Controller.Optimization.Aggregation;
using Controller.Radio.Allocation;
using Controller.Radio.Channels;
using Controller.Radio.Graphs;
using Controller.Radio.Randomness;
using Controller.Radio.Scenarios;

namespace Controller.Grains.Tests.Aggregation;

/// <summary>
/// Paper 004's aggregation through cell grains (one transmitter-receiver pair per cell) against the plain
/// <see cref="AggregationNetwork"/> (same numbers, bit for bit) and the product form of eq. 11,
/// <c>y^(k)(t) = Htil(t) ... Htil(t-k+1) xbar(t-k)</c> (relative error at most 1e-9), on the agg-gnn scenario
/// with random activity.
/// </summary>
public sealed class AggregationGrainRunTests
{
    private const int Pairs = 25;
    private const int Hops = 5;
    private const double EdgeThreshold = 0.003;
    private const int Slots = 250;
    private const double ProductTolerance = 1e-9;
    private const ulong Seed = 11;

    [Theory]
    [InlineData(0.5, false)]
    [InlineData(1.0, false)]
    [InlineData(0.5, true)]
    [InlineData(1.0, true)]
    public async Task AdvanceAsync_RandomActivity_EqualsAggregationNetworkAndProductForm(double activity, bool serializeCalls)
    {
        _ = serializeCalls; // Orleans copies every argument that is not [Immutable]; both cases take that path now.
        var (configuration, eta0) = Configuration();
        var constants = configuration.Constants;
        var plane = AggregationControlPlane.Create(AggregationControlPlane.Pairs("agg-gnn", Pairs, constants));
        await using var runtime = await TestSilo.StartAsync(plane);
        var run = await AggregationGrainRun.StartAsync(runtime.Grains, plane.Topology.Regions[0].CellIds, Hops, CancellationToken.None);
        var network = new AggregationNetwork(Pairs, Hops);
        var product = new ProductForm(Pairs, Hops);
        var random = SeededRandom.ForStream(Seed, RandomStreams.Activity, 0);
        var active = new bool[Pairs];
        var states = new double[Pairs];
        double maxProductError = 0;
        long skippedEdges = 0, activeCells = 0;

        for (var t = 0; t < Slots; t++)
        {
            configuration.Advance();
            var gains = configuration.Gains;
            for (var i = 0; i < Pairs; i++)
            {
                active[i] = activity >= 1 || random.NextBernoulli(activity);
                states[i] = Sinr.Rate(constants.MaxPower * gains[i, i] / constants.Noise);
                activeCells += active[i] ? 1 : 0;
            }

            var graph = InterferenceGraph.ForAggregation(gains, eta0);
            skippedEdges += Enumerable.Range(0, graph.Edges).Count(e => !active[graph.Sources[e]]);
            network.Advance(graph, active, states);
            await run.AdvanceAsync(graph, active, states, CancellationToken.None);
            product.Advance(gains, eta0, active, states);

            Assert.Equal(t + 1, run.Slot);
            Assert.Equal(network.ScalarsSentLastSlot, run.ScalarsSentLastSlot);
            Assert.Equal((Hops - 1) * active.Count(a => a), run.ScalarsSentLastSlot);
            for (var i = 0; i < Pairs; i++)
            {
                // Same messages in the same order: the same numbers, not merely close ones.
                Assert.Equal(network.Nodes[i].Sequence.ToArray(), run.Sequence(i));
            }

            for (var k = 0; k < Hops; k++)
            {
                var expected = product.Sequence(k);
                var error = RelativeError(expected, [.. Enumerable.Range(0, Pairs).Select(i => run.Sequence(i)[k])]);
                Assert.True(error <= ProductTolerance, string.Create(CultureInfo.InvariantCulture, $"Slot {t}, hop {k}: relative error {error:R} against the product form."));
                maxProductError = Math.Max(maxProductError, error);
            }
        }

        // The check covered what it claims: inactive cells whose edges were dropped (at activity 0.5), and
        // aggregates that are not all zero.
        Assert.InRange(activeCells / (double)(Slots * Pairs), activity - 0.05, Math.Min(1, activity + 0.05));
        Assert.True(activity >= 1 ? skippedEdges == 0 : skippedEdges > 1000, $"{skippedEdges} edges from inactive cells.");
        Assert.Contains(Enumerable.Range(0, Pairs), i => run.Sequence(i)[Hops - 1] > 0);
        Assert.InRange(maxProductError, 0, ProductTolerance);
    }

    [Fact]
    public async Task AdvanceAsync_CellNeverActive_SendsNothingAndItsNeighboursGetNothingFromIt()
    {
        // Three pairs, every edge present (weights chosen by hand); cell 1 is never active.
        var plane = AggregationControlPlane.Create(AggregationControlPlane.Pairs("agg-gnn", 3, new RadioConstants(1, 1, 0, "")));
        await using var runtime = await TestSilo.StartAsync(plane);
        var run = await AggregationGrainRun.StartAsync(runtime.Grains, plane.Topology.Regions[0].CellIds, 3, CancellationToken.None);
        var gains = new GainMatrix(3, 3);
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                gains[i, j] = i == j ? 4 : 1; // |h| = 2 on the diagonal, 1 elsewhere.
            }
        }

        var graph = InterferenceGraph.ForAggregation(gains, 0.5);
        bool[] active = [true, false, true];
        await run.AdvanceAsync(graph, active, [1.0, 100.0, 3.0], CancellationToken.None);
        await run.AdvanceAsync(graph, active, [1.0, 100.0, 3.0], CancellationToken.None);

        Assert.Equal(2 * 2, run.ScalarsSentLastSlot);
        // y^(1)(t) = sum over active j of |h_ij| x_j(t-1): cell 1's 100 never enters; cell 1 itself still receives.
        Assert.Equal([1.0, (2 * 1.0) + (1 * 3.0), 0], run.Sequence(0));
        Assert.Equal([0, (1 * 1.0) + (1 * 3.0), 0], run.Sequence(1));
        Assert.Equal([3.0, (1 * 1.0) + (2 * 3.0), 0], run.Sequence(2));
    }

    [Fact]
    public async Task AdvanceAsync_InputsOfTheWrongSize_Throws()
    {
        var plane = AggregationControlPlane.Create(AggregationControlPlane.Pairs("agg-gnn", 3, new RadioConstants(1, 1, 0, "")));
        await using var runtime = await TestSilo.StartAsync(plane);
        var run = await AggregationGrainRun.StartAsync(runtime.Grains, plane.Topology.Regions[0].CellIds, 3, CancellationToken.None);
        var graph = InterferenceGraph.ForAggregation(new GainMatrix(2, 2), 0.5);

        await Assert.ThrowsAsync<ArgumentException>(() => run.AdvanceAsync(graph, [true, true, true], [1, 1, 1], CancellationToken.None));
        Assert.Equal(0, run.Slot);
    }

    [Fact]
    public async Task StartAsync_RepeatedCell_Throws()
    {
        var plane = AggregationControlPlane.Create(AggregationControlPlane.Pairs("agg-gnn", 3, new RadioConstants(1, 1, 0, "")));
        await using var runtime = await TestSilo.StartAsync(plane);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => AggregationGrainRun.StartAsync(runtime.Grains, ["r000/c00", "r000/c00"], 3, CancellationToken.None));

        Assert.Equal("cellIds", error.ParamName);
    }

    private static (NetworkConfiguration Configuration, double EdgeThreshold) Configuration()
    {
        var scenario = ScenarioCatalog.Get("agg-gnn");
        var settings = scenario.Resolve(
        [
            new("pairs", Pairs.ToString(CultureInfo.InvariantCulture)),
            new("hops", Hops.ToString(CultureInfo.InvariantCulture)),
            new("edgeThreshold", EdgeThreshold.ToString(CultureInfo.InvariantCulture)),
        ]);
        return (scenario.CreateConfiguration(settings, Seed, index: 0), settings.GetDouble("edgeThreshold"));
    }

    // ||obtained - expected||_inf / ||expected||_inf (the absolute difference when expected is 0).
    private static double RelativeError(double[] expected, double[] obtained)
    {
        double difference = 0, scale = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            difference = Math.Max(difference, Math.Abs(obtained[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }

        return scale > 0 ? difference / scale : difference;
    }

    /// <summary>
    /// Eq. 11 from dense masked shifts: <c>Htil(t)[i, j] = |h_ij(t)|</c> when j is active and passes eta0, else 0;
    /// <c>xbar_i(t)</c> the last state observed while active (0 before). Histories start at zero, so hops k &gt; t give 0.
    /// Vectors are multiplied right to left (oldest shift first), unlike the reproduction, which forms the matrix product first.
    /// </summary>
    private sealed class ProductForm(int m, int length)
    {
        // Newest first: _shifts[d] = Htil(t-d), _observed[d] = xbar(t-d).
        private readonly List<double[]> _shifts = [.. Enumerable.Range(0, length).Select(_ => new double[m * m])];
        private readonly List<double[]> _observed = [.. Enumerable.Range(0, length).Select(_ => new double[m])];

        public void Advance(GainMatrix gains, double eta0, bool[] active, double[] states)
        {
            var shift = new double[m * m];
            var observed = new double[m];
            for (var i = 0; i < m; i++)
            {
                for (var j = 0; j < m; j++)
                {
                    var amplitude = Math.Sqrt(gains[i, j]);
                    shift[(i * m) + j] = active[j] && amplitude >= eta0 && amplitude > 0 ? amplitude : 0;
                }

                observed[i] = active[i] ? states[i] : _observed[0][i];
            }

            _shifts.Insert(0, shift);
            _shifts.RemoveAt(length);
            _observed.Insert(0, observed);
            _observed.RemoveAt(length);
        }

        public double[] Sequence(int k)
        {
            var vector = (double[])_observed[k].Clone();
            for (var d = k - 1; d >= 0; d--)
            {
                var next = new double[m];
                for (var i = 0; i < m; i++)
                {
                    for (var j = 0; j < m; j++)
                    {
                        next[i] += _shifts[d][(i * m) + j] * vector[j];
                    }
                }

                vector = next;
            }

            return vector;
        }
    }
}
