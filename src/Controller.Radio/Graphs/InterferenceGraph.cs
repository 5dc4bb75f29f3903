using Controller.Radio.Channels;

namespace Controller.Radio.Graphs;

/// <summary>
/// A weighted directed graph in compressed sparse rows by destination: the incoming edges of node v are
/// <c>Sources[Offsets[v] .. Offsets[v+1])</c> with weights at the same positions. Message passing
/// (GNN layers, paper 004's aggregation) reads a node's incoming edges contiguously.
/// </summary>
public sealed class InterferenceGraph
{
    private InterferenceGraph(int nodes, int[] offsets, int[] sources, double[] weights)
    {
        Nodes = nodes;
        Offsets = offsets;
        Sources = sources;
        Weights = weights;
    }

    /// <summary>Number of nodes.</summary>
    public int Nodes { get; }

    /// <summary>Row offsets, length <see cref="Nodes"/> + 1.</summary>
    public IReadOnlyList<int> Offsets { get; }

    /// <summary>Source node of each edge, grouped by destination.</summary>
    public IReadOnlyList<int> Sources { get; }

    /// <summary>Weight of each edge.</summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>Number of edges.</summary>
    public int Edges => Sources.Count;

    /// <summary>The weight of edge <paramref name="source"/> to <paramref name="destination"/>, or null when absent.</summary>
    public double? Weight(int source, int destination)
    {
        for (var e = Offsets[destination]; e < Offsets[destination + 1]; e++)
        {
            if (Sources[e] == source)
            {
                return Weights[e];
            }
        }

        return null;
    }

    /// <summary>
    /// Interference graph of one-to-one links (square gains): edge j -> i when transmitter j interferes at
    /// receiver i with <c>INR = Pmax G[i,j] / noise</c> of at least <paramref name="minInrDb"/>; weight G[i,j].
    /// </summary>
    public static InterferenceGraph ForLinks(GainMatrix gains, double noise, double maxPower, double minInrDb = double.NegativeInfinity)
    {
        ArgumentNullException.ThrowIfNull(gains);
        RequireSquare(gains);
        var threshold = PathLoss.DbToLinear(minInrDb) * noise / maxPower;
        return Build(gains.Receivers, (i, add) =>
        {
            var row = gains.Row(i);
            for (var j = 0; j < row.Length; j++)
            {
                if (j != i && row[j] >= threshold && row[j] > 0)
                {
                    add(j, row[j]);
                }
            }
        });
    }

    /// <summary>
    /// Paper 004's sparsified shift <c>Htil = H o Q</c>: neighbours of node i are the nodes j with
    /// amplitude <c>|h_ij| = sqrt(G[i,j]) &gt;= eta0</c>, weighted by that amplitude. Self edges are kept
    /// (the paper's H includes the direct channel).
    /// </summary>
    public static InterferenceGraph ForAggregation(GainMatrix gains, double eta0)
    {
        ArgumentNullException.ThrowIfNull(gains);
        RequireSquare(gains);
        return Build(gains.Receivers, (i, add) =>
        {
            var row = gains.Row(i);
            for (var j = 0; j < row.Length; j++)
            {
                var amplitude = Math.Sqrt(row[j]);
                if (amplitude >= eta0 && amplitude > 0)
                {
                    add(j, amplitude);
                }
            }
        });
    }

    /// <summary>
    /// Paper 003's user graph: nodes are users; a self loop on j weighted <c>e(h_[j]j)</c> (its own AP) and
    /// an edge j -> j' for users of different cells weighted <c>e(h_[j]j')</c> (j's AP at j'); no edges within
    /// a cell. <c>e(h) = log(Pmax |h|^2 / N0) / sqrt(sum over all edges of log(Pmax |h|^2 / N0)^2)</c>.
    /// </summary>
    public static InterferenceGraph ForUsers(GainMatrix gains, ReadOnlySpan<int> servingTransmitter, double noise, double maxPower)
    {
        ArgumentNullException.ThrowIfNull(gains);
        var serving = servingTransmitter.ToArray();
        var raw = Build(gains.Receivers, (destination, add) =>
        {
            for (var source = 0; source < serving.Length; source++)
            {
                if (source == destination || serving[source] != serving[destination])
                {
                    var g = gains[destination, serving[source]];
                    add(source, Math.Log(maxPower * g / noise));
                }
            }
        });
        var norm = Math.Sqrt(raw.Weights.Sum(w => w * w));
        var weights = raw.Weights.Select(w => norm > 0 ? w / norm : 0).ToArray();
        return new InterferenceGraph(raw.Nodes, [.. raw.Offsets], [.. raw.Sources], weights);
    }

    private static InterferenceGraph Build(int nodes, Action<int, Action<int, double>> incoming)
    {
        var offsets = new int[nodes + 1];
        var sources = new List<int>();
        var weights = new List<double>();
        for (var v = 0; v < nodes; v++)
        {
            incoming(v, (u, w) =>
            {
                sources.Add(u);
                weights.Add(w);
            });
            offsets[v + 1] = sources.Count;
        }

        return new InterferenceGraph(nodes, offsets, [.. sources], [.. weights]);
    }

    private static void RequireSquare(GainMatrix gains)
    {
        if (gains.Receivers != gains.Transmitters)
        {
            throw new ArgumentException("One-to-one link graphs need a square gain matrix (receiver i served by transmitter i).", nameof(gains));
        }
    }
}
