using Controller.Policies.Models;
using static TorchSharp.torch;

namespace Controller.Learning.Models;

/// <summary>
/// Many regions' slots for the resilient GNN, packed into dense batched tensors for <see cref="ResilientGnnNet"/>.
/// Graphs of different sizes are padded to the largest: padded users are inactive and have no edges, padded cells have no
/// users, so neither changes any real node's output. Every length and number is checked here, in managed code, before a
/// tensor is made (a shape error inside libtorch can abort the process).
/// </summary>
public sealed class DenseGnnBatch
{
    private readonly List<Graph> _graphs = [];
    private float[] _weights = [];
    private float[] _cells = [];

    /// <summary>Graphs added.</summary>
    public int Count => _graphs.Count;

    /// <summary>Empties the batch.</summary>
    public void Clear() => _graphs.Clear();

    /// <summary>Appends one slot: the user graph just built, each user's feature and activity, the cells' largest power.</summary>
    public void Add(UserGraph graph, ReadOnlySpan<double> features, ReadOnlySpan<bool> active, double maxPower)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var users = graph.Users;
        var cells = graph.Cells;
        if (users < 1 || cells < 1)
        {
            throw new ArgumentException($"A graph needs at least one user and one cell, got {users} and {cells}.", nameof(graph));
        }

        if (features.Length != users || active.Length != users)
        {
            throw new ArgumentException($"Expected one feature and one activity flag per user ({users}), got {features.Length} and {active.Length}.", nameof(features));
        }

        if (!(maxPower >= 0) || double.IsInfinity(maxPower))
        {
            throw new ArgumentOutOfRangeException(nameof(maxPower), maxPower, "The maximum power must be finite and not negative.");
        }

        var feature = new float[users];
        for (var v = 0; v < users; v++)
        {
            if (!double.IsFinite(features[v]))
            {
                throw new ArgumentOutOfRangeException(nameof(features), features[v], $"The feature of user {v} is not finite.");
            }

            feature[v] = (float)features[v];
        }

        // The compact n x m form (an edge's weight depends on its destination and its source's cell); Run expands it
        // into the padded n x n batch once, so adding a graph costs O(n m), not O(n^2).
        var cellWeights = new float[users * cells];
        var weights = graph.CellWeights;
        for (var i = 0; i < cellWeights.Length; i++)
        {
            cellWeights[i] = (float)weights[i];
        }

        _graphs.Add(new Graph(users, cells, feature, cellWeights, graph.CellOf.ToArray(), active.ToArray(), maxPower));
    }

    /// <summary>Runs the network once over every graph added; returns each graph's powers (per cell) and selection probabilities (per user).</summary>
    public IReadOnlyList<(double[] Power, double[] Selection)> Run(ResilientGnnNet net, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (_graphs.Count == 0)
        {
            return [];
        }

        var b = _graphs.Count;
        var n = _graphs.Max(g => g.Users);
        var m = _graphs.Max(g => g.Cells);
        var features = new float[b * n];
        // The two large inputs live in buffers this batch keeps and libtorch reads in place (frombuffer: no copy). A
        // fresh B x n x n tensor per run cost more than the forward pass at 64 graphs of 400 users: first-touch page
        // faults on 40 MB of new memory, in .NET and again in libtorch's copy.
        var weights = Grow(ref _weights, b * n * n);
        var cells = Grow(ref _cells, b * n * m);
        var active = new bool[b * n];
        var maxPower = new float[b];
        for (var g = 0; g < b; g++)
        {
            var graph = _graphs[g];
            maxPower[g] = (float)graph.MaxPower;
            var users = graph.Users;
            for (var v = 0; v < users; v++)
            {
                features[(g * n) + v] = graph.Features[v];
                active[(g * n) + v] = graph.Active[v];
                var own = graph.CellOf[v];
                var oneHot = cells.AsSpan(((g * n) + v) * m, m);
                oneHot.Clear();
                oneHot[own] = 1;
                // W[v, u] = w[v, cell of u] for u = v or u in another cell; 0 between two users of one cell.
                var row = weights.AsSpan(((g * n) + v) * n, n);
                row[users..].Clear();
                var cellWeights = graph.CellWeights.AsSpan(v * graph.Cells, graph.Cells);
                for (var u = 0; u < users; u++)
                {
                    var cell = graph.CellOf[u];
                    row[u] = cell != own || u == v ? cellWeights[cell] : 0f;
                }
            }

            // Padded users: no edges, no cell (the buffers hold the previous run's values).
            weights.AsSpan(((g * n) + users) * n, (n - users) * n).Clear();
            cells.AsSpan(((g * n) + users) * m, (n - users) * m).Clear();
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        device ??= CPU;
        var (power, logPi) = net.Forward(
            tensor(features, [b, n], device: device),
            frombuffer(weights, ScalarType.Float32, count: (long)b * n * n).reshape(b, n, n).to(device),
            frombuffer(cells, ScalarType.Float32, count: (long)b * n * m).reshape(b, n, m).to(device),
            tensor(active, [b, n], device: device),
            tensor(maxPower, [b, 1], device: device));
        var powerValues = power.to(ScalarType.Float64).cpu().data<double>().ToArray();
        var selectionValues = logPi.exp().to(ScalarType.Float64).cpu().data<double>().ToArray();
        var answers = new (double[] Power, double[] Selection)[b];
        for (var g = 0; g < b; g++)
        {
            answers[g] = (powerValues.AsSpan(g * m, _graphs[g].Cells).ToArray(), selectionValues.AsSpan(g * n, _graphs[g].Users).ToArray());
        }

        return answers;
    }

    /// <summary><paramref name="buffer"/>, grown to at least <paramref name="length"/> elements.</summary>
    private static float[] Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }

        return buffer;
    }

    private sealed record Graph(int Users, int Cells, float[] Features, float[] CellWeights, int[] CellOf, bool[] Active, double MaxPower);
}
