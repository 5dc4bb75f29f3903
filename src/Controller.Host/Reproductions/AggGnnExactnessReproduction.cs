using System.Globalization;
using Controller.Grains;
using Controller.Optimization.Aggregation;
using Controller.Radio.Allocation;
using Controller.Radio.Graphs;
using Controller.Radio.Randomness;
using Controller.Radio.Scenarios;
using Controller.Host.Hosting;

namespace Controller.Host.Reproductions;

/// <summary>
/// Paper 004 eq. 11: the aggregation sequence that Algorithm 1 builds by message passing equals the product
/// form <c>y^(k)(t) = Htil(t) Htil(t-1) ... Htil(t-k+1) xbar(t-k)</c>. Message passing runs twice in
/// lockstep, on the same neighbour graphs (<see cref="InterferenceGraph.ForAggregation"/>): through
/// <see cref="AggregationNetwork"/> (plain nodes), and through cell grains, one pair per cell, each holding
/// its node and exchanging the K-1 scalars with its neighbour cells (<see cref="AggregationGrainRun"/>).
/// The product form multiplies dense masked matrices built straight from the gains, left to right. Under
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
        $"agg-gnn, pairs={Pairs}, hops=K={Hops}, edgeThreshold=eta0={EdgeThreshold}, delta=0.3; configuration 0, {Slots} slots per activity level; each node active with the given probability per slot; node state x_i(t) = log2(1 + p0 G_ii(t) / noise); row = max over slots t >= k, hops k = 0..K-1 of ||message passing - product form||_inf / ||product form||_inf; message passing both by plain nodes (AggregationNetwork) and through cell grains r000/c00.. (one pair per cell, a one-region synthetic topology, in-memory runtime, one batched call per cell per phase); tolerance {Tolerance} for each");

    public override int WorkUnits => ActivityLevels.Length;

    // Reproduction.Run is synchronous, as the CLI action that calls it; the grain run is asynchronous. It runs
    // on the thread pool and this waits for it: no synchronization context its continuations could need is held.
    public override IReadOnlyList<ReproductionRow> Run(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
        => Task.Run(() => RunAsync(seed, progress, cancellationToken), cancellationToken).GetAwaiter().GetResult();

    private static async Task<IReadOnlyList<ReproductionRow>> RunAsync(ulong seed, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var rows = new List<ReproductionRow>();
        for (var level = 0; level < ActivityLevels.Length; level++)
        {
            var outcome = await CompareAsync(ActivityLevels[level], seed, (ulong)level, cancellationToken).ConfigureAwait(false);
            var activity = ActivityLevels[level].ToString(CultureInfo.InvariantCulture);
            rows.Add(Row($"max relative error, activity {activity}", outcome, outcome.Network));
            rows.Add(Row($"cell grains: max relative error, activity {activity}", outcome, outcome.Grains));
            progress?.Report(level + 1);
        }

        return rows;
    }

    private static ReproductionRow Row(string label, Outcome outcome, Form form) => new(
        label,
        form.MaxRelativeError,
        0,
        Tolerance,
        new Dictionary<string, double>
        {
            ["comparedValues"] = outcome.ComparedValues,
            ["meanNeighbours"] = outcome.MeanNeighbours,
            ["activeFraction"] = outcome.ActiveFraction,
            ["meanScalarsSentPerSlot"] = form.MeanScalarsSent,
            // |cell grains - AggregationNetwork|, largest over slots, hops and nodes: both carry the same messages.
            ["maxGrainsNetworkDifference"] = outcome.MaxGrainsNetworkDifference,
        });

    private static async Task<Outcome> CompareAsync(double activity, ulong seed, ulong activityStream, CancellationToken cancellationToken)
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

        // Pair i is cell i of a one-region synthetic topology; its grain holds node i.
        var plane = AggregationControlPlane.Create(AggregationControlPlane.Pairs(scenario.Name, m, configuration.Constants));
        var silo = await ControllerHost.StartAsync(new SiloSettings { Control = plane }.WithFreePorts(), "none", controllerLogs: false, cancellationToken).ConfigureAwait(false);
        await using var _ = silo.ConfigureAwait(false);
        var grains = await AggregationGrainRun.StartAsync(silo.Grains, plane.Topology.Regions[0].CellIds, length, cancellationToken).ConfigureAwait(false);

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
        var expected = new double[m];
        var active = new bool[m];
        var states = new double[m];
        double networkError = 0, grainsError = 0, grainsNetwork = 0, neighbours = 0, activeCount = 0, networkScalars = 0, grainScalars = 0;
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
            await grains.AdvanceAsync(graph, active, states, cancellationToken).ConfigureAwait(false);
            networkScalars += network.ScalarsSentLastSlot;
            grainScalars += grains.ScalarsSentLastSlot;
            for (var i = 0; i < m; i++)
            {
                for (var k = 0; k < length; k++)
                {
                    // Math.Max keeps a NaN, so a run that breaks down cannot pass as equal.
                    grainsNetwork = Math.Max(grainsNetwork, Math.Abs(grains.Sequence(i)[k] - network.Nodes[i].Sequence[k]));
                }
            }

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
            networkError = Math.Max(networkError, RelativeError(observed[0], i => network.Nodes[i].Sequence[0]));
            grainsError = Math.Max(grainsError, RelativeError(observed[0], i => grains.Sequence(i)[0]));
            compared += m;
            shift.CopyTo(product, 0);
            for (var k = 1; k < length && k <= t; k++)
            {
                if (k > 1)
                {
                    Multiply(product, shifts[k - 1], scratch, m);
                    (product, scratch) = (scratch, product);
                }

                for (var i = 0; i < m; i++)
                {
                    var sum = 0.0;
                    for (var j = 0; j < m; j++)
                    {
                        sum += product[(i * m) + j] * observed[k][j];
                    }

                    expected[i] = sum;
                }

                var hop = k;
                networkError = Math.Max(networkError, RelativeError(expected, i => network.Nodes[i].Sequence[hop]));
                grainsError = Math.Max(grainsError, RelativeError(expected, i => grains.Sequence(i)[hop]));
                compared += m;
            }
        }

        return new Outcome(
            new Form(networkError, networkScalars / Slots),
            new Form(grainsError, grainScalars / Slots),
            grainsNetwork,
            compared,
            neighbours / Slots,
            activeCount / (Slots * (double)m));
    }

    // ||obtained - expected||_inf / ||expected||_inf (the absolute difference when expected is 0).
    private static double RelativeError(double[] expected, Func<int, double> obtained)
    {
        double difference = 0, scale = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            difference = Math.Max(difference, Math.Abs(obtained(i) - expected[i]));
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

    private sealed record Form(double MaxRelativeError, double MeanScalarsSent);

    private sealed record Outcome(Form Network, Form Grains, double MaxGrainsNetworkDifference, int ComparedValues, double MeanNeighbours, double ActiveFraction);
}
