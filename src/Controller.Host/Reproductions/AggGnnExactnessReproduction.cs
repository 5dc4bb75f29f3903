using System.Globalization;
using Controller.Optimization.Aggregation;
using Controller.Radio.Allocation;
using Controller.Radio.Graphs;
using Controller.Radio.Randomness;
using Controller.Radio.Scenarios;

namespace Controller.Host.Reproductions;

/// <summary>
/// Paper 004 eq. 11: the aggregation sequence that Algorithm 1 builds by message passing equals the product
/// form <c>y^(k)(t) = Htil(t) Htil(t-1) ... Htil(t-k+1) xbar(t-k)</c>. Message passing runs through
/// <see cref="AggregationNetwork"/> (neighbour graph from <see cref="InterferenceGraph.ForAggregation"/>);
/// the product form multiplies dense masked matrices built straight from the gains, left to right. Under
/// asynchronous activity <c>Htil(t)</c> zeroes the columns of nodes inactive at t (they do not send) and
/// <c>xbar</c> holds each node's last state observed while active. Expected difference: 0 (rounding only).
/// </summary>
internal sealed class AggGnnExactnessReproduction : Reproduction
{
    private const int Pairs = 25;
    private const int Hops = 5;
    private const double EdgeThreshold = 0.003;
    private const int Slots = 500;
    private const double Tolerance = 1e-9;
    private static readonly double[] ActivityLevels = [0.5, 1.0];

    public override string Name => "agg-gnn-exactness";

    public override string Paper => "paper 004 (Agg-GNN), eq. 11 and Algorithm 1";

    public override string Setup => string.Create(
        CultureInfo.InvariantCulture,
        $"agg-gnn, pairs={Pairs}, hops=K={Hops}, edgeThreshold=eta0={EdgeThreshold}, delta=0.3; configuration 0, {Slots} slots per activity level; each node active with the given probability per slot; node state x_i(t) = log2(1 + p0 G_ii(t) / noise); row = max over slots t >= k, hops k = 0..K-1 of ||message passing - product form||_inf / ||product form||_inf; tolerance {Tolerance}");

    public override int WorkUnits => ActivityLevels.Length;

    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var rows = new List<ReproductionRow>();
        for (var level = 0; level < ActivityLevels.Length; level++)
        {
            var outcome = Compare(ActivityLevels[level], seed, (ulong)level, cancellationToken);
            rows.Add(new ReproductionRow(
                string.Create(CultureInfo.InvariantCulture, $"max relative error, activity {ActivityLevels[level]}"),
                outcome.MaxRelativeError,
                0,
                Tolerance,
                new Dictionary<string, double>
                {
                    ["comparedValues"] = outcome.ComparedValues,
                    ["meanNeighbours"] = outcome.MeanNeighbours,
                    ["activeFraction"] = outcome.ActiveFraction,
                    ["meanScalarsSentPerSlot"] = outcome.MeanScalarsSent,
                }));
            progress?.Report(rows.Count);
        }

        return rows;
    }

    private static Outcome Compare(double activity, ulong seed, ulong activityStream, CancellationToken cancellationToken)
    {
        var scenario = ScenarioCatalog.Get("agg-gnn");
        var settings = scenario.Resolve(
        [
            new("pairs", Pairs.ToString(CultureInfo.InvariantCulture)),
            new("hops", Hops.ToString(CultureInfo.InvariantCulture)),
            new("edgeThreshold", EdgeThreshold.ToString(CultureInfo.InvariantCulture)),
        ]);
        var configuration = scenario.CreateConfiguration(settings, seed, index: 0);
        var eta0 = settings.GetDouble("edgeThreshold");
        var m = settings.GetInt("pairs");
        var length = settings.GetInt("hops");
        var noise = configuration.Constants.Noise;
        var p0 = configuration.Constants.MaxPower;
        var activityRandom = SeededRandom.ForStream(seed, RandomStreams.Activity, activityStream);
        var network = new AggregationNetwork(m, length);

        // Histories for the product form: shifts[d] = Htil(t-d), observed[d] = xbar(t-d), d = 0..K-1.
        var shifts = new double[length][];
        var observed = new double[length][];
        for (var d = 0; d < length; d++)
        {
            shifts[d] = new double[m * m];
            observed[d] = new double[m];
        }

        var product = new double[m * m];
        var scratch = new double[m * m];
        var active = new bool[m];
        var states = new double[m];
        double maxError = 0, neighbours = 0, activeCount = 0, scalars = 0;
        var compared = 0;
        for (var t = 0; t < Slots; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            configuration.Advance();
            var gains = configuration.Gains;
            for (var i = 0; i < m; i++)
            {
                active[i] = activity >= 1 || activityRandom.NextBernoulli(activity);
                states[i] = Sinr.Rate(p0 * gains[i, i] / noise);
                activeCount += active[i] ? 1 : 0;
            }

            var graph = InterferenceGraph.ForAggregation(gains, eta0);
            neighbours += (double)graph.Edges / m;
            network.Advance(graph, active, states);
            scalars += network.ScalarsSentLastSlot;

            // Shift the histories by one slot and record Htil(t) and xbar(t).
            Rotate(shifts);
            Rotate(observed);
            var shift = shifts[0];
            for (var i = 0; i < m; i++)
            {
                for (var j = 0; j < m; j++)
                {
                    var amplitude = Math.Sqrt(gains[i, j]);
                    shift[(i * m) + j] = active[j] && amplitude >= eta0 && amplitude > 0 ? amplitude : 0;
                }

                observed[0][i] = active[i] ? states[i] : observed[1][i];
            }

            // k = 0: y^(0)(t) = xbar(t); k >= 1: (Htil(t) ... Htil(t-k+1)) xbar(t-k), the matrix product first.
            maxError = Math.Max(maxError, RelativeError(network, 0, observed[0]));
            compared += m;
            shift.CopyTo(product, 0);
            for (var k = 1; k < length && k <= t; k++)
            {
                if (k > 1)
                {
                    Multiply(product, shifts[k - 1], scratch, m);
                    (product, scratch) = (scratch, product);
                }

                var expected = new double[m];
                for (var i = 0; i < m; i++)
                {
                    var sum = 0.0;
                    for (var j = 0; j < m; j++)
                    {
                        sum += product[(i * m) + j] * observed[k][j];
                    }

                    expected[i] = sum;
                }

                maxError = Math.Max(maxError, RelativeError(network, k, expected));
                compared += m;
            }
        }

        return new Outcome(maxError, compared, neighbours / Slots, activeCount / (Slots * (double)m), scalars / Slots);
    }

    private static double RelativeError(AggregationNetwork network, int hop, double[] expected)
    {
        double difference = 0, scale = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            difference = Math.Max(difference, Math.Abs(network.Nodes[i].Sequence[hop] - expected[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }

        return scale > 0 ? difference / scale : difference;
    }

    private static void Multiply(double[] left, double[] right, double[] result, int m)
    {
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < m; j++)
            {
                var sum = 0.0;
                for (var l = 0; l < m; l++)
                {
                    sum += left[(i * m) + l] * right[(l * m) + j];
                }

                result[(i * m) + j] = sum;
            }
        }
    }

    private static void Rotate(double[][] history)
    {
        var oldest = history[^1];
        Array.Copy(history, 0, history, 1, history.Length - 1);
        history[0] = oldest;
    }

    private sealed record Outcome(double MaxRelativeError, int ComparedValues, double MeanNeighbours, double ActiveFraction, double MeanScalarsSent);
}
