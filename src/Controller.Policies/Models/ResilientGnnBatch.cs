namespace Controller.Policies.Models;

/// <summary>
/// Inputs of one <see cref="ResilientGnnModel"/> call: any number of user graphs stacked (nodes of graph g
/// at <c>[NodeStart(g), NodeStart(g + 1))</c>, its cells at <c>[CellStart(g), CellStart(g + 1))</c>), each with
/// its node features, activity and maximum power. Adding a graph precomputes what every layer reuses: the
/// cell-mixing matrix (w[v, c] with v's own cell zeroed), the self-loop weight and the weighted in-degree
/// <c>d_v = sum_{u -> v} w_uv</c>. Buffers grow and are reused: <see cref="Clear"/> then <see cref="Add"/>
/// does not allocate once the batch has been this large before.
/// </summary>
public sealed class ResilientGnnBatch
{
    private int[] _nodeStart = [0];
    private int[] _cellStart = [0];
    private int[] _mixingStart = [0];
    private double[] _maxPower = [];
    private float[] _feature = [];
    private int[] _cell = [];
    private bool[] _active = [];
    private float[] _selfWeight = [];
    private float[] _degree = [];
    private float[] _mixing = [];
    private int[] _cellSize = [];
    private int[] _activeUsers = [];

    /// <summary>Graphs in the batch.</summary>
    public int Graphs { get; private set; }

    /// <summary>Nodes (users) of all graphs.</summary>
    public int Nodes => _nodeStart[Graphs];

    /// <summary>Cells of all graphs.</summary>
    public int Cells => _cellStart[Graphs];

    /// <summary>First node of graph <paramref name="graph"/>; <c>NodeStart(Graphs)</c> is <see cref="Nodes"/>.</summary>
    public int NodeStart(int graph) => _nodeStart[graph];

    /// <summary>First cell of graph <paramref name="graph"/>; <c>CellStart(Graphs)</c> is <see cref="Cells"/>.</summary>
    public int CellStart(int graph) => _cellStart[graph];

    /// <summary>Largest transmit power of graph <paramref name="graph"/>.</summary>
    public double MaxPower(int graph) => _maxPower[graph];

    /// <summary>Node features (the log1p PF ratio; 0 for inactive users).</summary>
    public ReadOnlySpan<float> Features => _feature.AsSpan(0, Nodes);

    /// <summary>Cell of each node, as an index into the batch's cells.</summary>
    public ReadOnlySpan<int> CellOfNode => _cell.AsSpan(0, Nodes);

    /// <summary>Whether each node's user is active (may be served).</summary>
    public ReadOnlySpan<bool> Active => _active.AsSpan(0, Nodes);

    /// <summary>Users per cell (active or not).</summary>
    public ReadOnlySpan<int> CellSize => _cellSize.AsSpan(0, Cells);

    /// <summary>Active users per cell.</summary>
    public ReadOnlySpan<int> ActiveUsers => _activeUsers.AsSpan(0, Cells);

    internal ReadOnlySpan<float> SelfWeight => _selfWeight.AsSpan(0, Nodes);

    internal ReadOnlySpan<float> Degree => _degree.AsSpan(0, Nodes);

    internal ReadOnlySpan<float> Mixing(int graph) => _mixing.AsSpan(_mixingStart[graph], _mixingStart[graph + 1] - _mixingStart[graph]);

    /// <summary>Empties the batch, keeping its buffers.</summary>
    public void Clear() => Graphs = 0;

    /// <summary>
    /// Appends a graph: <paramref name="graph"/>'s users with <paramref name="features"/> and
    /// <paramref name="active"/> (one per user) and the graph's largest power <paramref name="maxPower"/>.
    /// </summary>
    public void Add(UserGraph graph, ReadOnlySpan<double> features, ReadOnlySpan<bool> active, double maxPower)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var users = graph.Users;
        var cells = graph.Cells;
        if (features.Length != users || active.Length != users)
        {
            throw new ArgumentException($"Expected one feature and one activity flag per user ({users}), got {features.Length} and {active.Length}.", nameof(features));
        }

        if (!(maxPower >= 0) || double.IsInfinity(maxPower))
        {
            throw new ArgumentOutOfRangeException(nameof(maxPower), maxPower, "The maximum power must be finite and not negative.");
        }

        var nodeStart = Nodes;
        var cellStart = Cells;
        var mixingStart = _mixingStart[Graphs];
        EnsureCapacity(Graphs + 1, nodeStart + users, cellStart + cells, mixingStart + (users * cells));

        var cellSize = _cellSize.AsSpan(cellStart, cells);
        var activeUsers = _activeUsers.AsSpan(cellStart, cells);
        graph.CellSize.CopyTo(cellSize);
        activeUsers.Clear();
        var weights = graph.CellWeights;
        var cellOf = graph.CellOf;
        var mixing = _mixing.AsSpan(mixingStart, users * cells);
        for (var v = 0; v < users; v++)
        {
            var node = nodeStart + v;
            var own = cellOf[v];
            var feature = features[v];
            if (!double.IsFinite(feature))
            {
                throw new ArgumentOutOfRangeException(nameof(features), feature, $"The feature of user {v} is not finite.");
            }

            _feature[node] = (float)feature;
            _cell[node] = cellStart + own;
            _active[node] = active[v];
            if (active[v])
            {
                activeUsers[own]++;
            }

            // d_v = w_vv + sum over the other cells' users of their weight into v (contract: sum_{u -> v} w_uv).
            var row = weights.Slice(v * cells, cells);
            var mixingRow = mixing.Slice(v * cells, cells);
            var degree = row[own];
            for (var c = 0; c < cells; c++)
            {
                if (c == own)
                {
                    mixingRow[c] = 0;
                }
                else
                {
                    mixingRow[c] = (float)row[c];
                    degree += cellSize[c] * row[c];
                }
            }

            _selfWeight[node] = (float)row[own];
            _degree[node] = (float)degree;
        }

        _maxPower[Graphs] = maxPower;
        Graphs++;
        _nodeStart[Graphs] = nodeStart + users;
        _cellStart[Graphs] = cellStart + cells;
        _mixingStart[Graphs] = mixingStart + (users * cells);
    }

    private void EnsureCapacity(int graphs, int nodes, int cells, int mixing)
    {
        if (_nodeStart.Length < graphs + 1)
        {
            var capacity = Math.Max(graphs + 1, _nodeStart.Length * 2);
            Array.Resize(ref _nodeStart, capacity);
            Array.Resize(ref _cellStart, capacity);
            Array.Resize(ref _mixingStart, capacity);
            Array.Resize(ref _maxPower, capacity);
        }

        if (_feature.Length < nodes)
        {
            var capacity = Math.Max(nodes, _feature.Length * 2);
            Array.Resize(ref _feature, capacity);
            Array.Resize(ref _cell, capacity);
            Array.Resize(ref _active, capacity);
            Array.Resize(ref _selfWeight, capacity);
            Array.Resize(ref _degree, capacity);
        }

        if (_cellSize.Length < cells)
        {
            var capacity = Math.Max(cells, _cellSize.Length * 2);
            Array.Resize(ref _cellSize, capacity);
            Array.Resize(ref _activeUsers, capacity);
        }

        if (_mixing.Length < mixing)
        {
            Array.Resize(ref _mixing, Math.Max(mixing, _mixing.Length * 2));
        }
    }
}
