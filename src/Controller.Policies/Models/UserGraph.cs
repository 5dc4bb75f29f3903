using System.Numerics.Tensors;
using Controller.Radio.Channels;

namespace Controller.Policies.Models;

/// <summary>
/// Paper 003's user graph, the same graph as <see cref="Controller.Radio.Graphs.InterferenceGraph.ForUsers"/>,
/// held in the compact form its structure allows. Edges into user v come from v itself and from every user u
/// of another cell, with raw weight <c>r_uv = ln(Pmax G[v][a(u)] / N0)</c>: a weight depends only on the
/// destination and the source's cell, so the graph is the n x m matrix <c>w[v, c] = r(v, c) / norm</c>
/// (norm = sqrt of the sum of r^2 over all edges) plus the association. It has the n(n - n_a(v) + 1) edges
/// of the explicit form, builds in O(n m) and is rebuilt every slot into the same buffers.
/// </summary>
public sealed class UserGraph
{
    private double[] _weights = [];
    private int[] _cellOf = [];
    private int[] _cellSize = [];

    /// <summary>Number of users (nodes).</summary>
    public int Users { get; private set; }

    /// <summary>Number of cells (APs).</summary>
    public int Cells { get; private set; }

    /// <summary>Normalized weight <c>w[v, c]</c>, row-major users x cells: the weight of every edge from a user of cell c into user v (c its own cell: only v's self loop).</summary>
    public ReadOnlySpan<double> CellWeights => _weights.AsSpan(0, Users * Cells);

    /// <summary>The cell (AP) of each user.</summary>
    public ReadOnlySpan<int> CellOf => _cellOf.AsSpan(0, Users);

    /// <summary>Users per cell.</summary>
    public ReadOnlySpan<int> CellSize => _cellSize.AsSpan(0, Cells);

    /// <summary>The normalization: the square root of the sum of squared raw weights over all edges.</summary>
    public double Norm { get; private set; }

    /// <summary>Number of edges of the explicit graph.</summary>
    public long Edges
    {
        get
        {
            long edges = 0;
            for (var v = 0; v < Users; v++)
            {
                edges += Users - _cellSize[_cellOf[v]] + 1;
            }

            return edges;
        }
    }

    /// <summary>
    /// Builds the graph of users with gains <paramref name="gains"/> (users x cells) associated by
    /// <paramref name="servingTransmitter"/>. Allocates only when the network grows.
    /// </summary>
    public void Build(GainMatrix gains, ReadOnlySpan<int> servingTransmitter, double noise, double maxPower)
    {
        ArgumentNullException.ThrowIfNull(gains);
        var users = gains.Receivers;
        var cells = gains.Transmitters;
        if (servingTransmitter.Length != users)
        {
            throw new ArgumentException($"Expected one serving cell per user ({users}), got {servingTransmitter.Length}.", nameof(servingTransmitter));
        }

        EnsureCapacity(users, cells);
        Users = users;
        Cells = cells;
        servingTransmitter.CopyTo(_cellOf);
        var cellSize = _cellSize.AsSpan(0, cells);
        cellSize.Clear();
        foreach (var cell in servingTransmitter)
        {
            if ((uint)cell >= (uint)cells)
            {
                throw new ArgumentOutOfRangeException(nameof(servingTransmitter), cell, $"A serving cell must be in [0, {cells}).");
            }

            cellSize[cell]++;
        }

        // r = ln(Pmax G / N0) over the whole matrix at once (vectorized). A zero gain (a link the RAN did not
        // report) would give -inf and poison the norm; it is floored at the smallest double instead.
        var weights = _weights.AsSpan(0, users * cells);
        TensorPrimitives.Multiply(gains.Values, maxPower / noise, weights);
        TensorPrimitives.Max(weights, double.Epsilon, weights);
        TensorPrimitives.Log(weights, weights);

        var sumOfSquares = 0.0;
        for (var v = 0; v < users; v++)
        {
            var row = weights.Slice(v * cells, cells);
            var own = servingTransmitter[v];
            var rowSum = row[own] * row[own];
            for (var c = 0; c < cells; c++)
            {
                if (c != own)
                {
                    rowSum += cellSize[c] * row[c] * row[c];
                }
            }

            sumOfSquares += rowSum;
        }

        Norm = Math.Sqrt(sumOfSquares);
        if (Norm > 0)
        {
            TensorPrimitives.Divide(weights, Norm, weights);
        }
        else
        {
            weights.Clear();
        }
    }

    /// <summary>The weight of edge <paramref name="source"/> to <paramref name="destination"/>, or null when the graph has no such edge (two users of one cell).</summary>
    public double? Weight(int source, int destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)source, (uint)Users, nameof(source));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)destination, (uint)Users, nameof(destination));
        if (source != destination && _cellOf[source] == _cellOf[destination])
        {
            return null;
        }

        return _weights[(destination * Cells) + _cellOf[source]];
    }

    private void EnsureCapacity(int users, int cells)
    {
        if (_weights.Length < users * cells)
        {
            _weights = new double[users * cells];
        }

        if (_cellOf.Length < users)
        {
            _cellOf = new int[users];
        }

        if (_cellSize.Length < cells)
        {
            _cellSize = new int[cells];
        }
    }
}
