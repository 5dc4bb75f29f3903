using System.Numerics;
using System.Numerics.Tensors;

namespace Controller.Policies.Models;

/// <summary>
/// Forward pass of paper 003's resilient GNN (architecture <c>resilient-gnn</c> of
/// src/Controller.Policies/ARTIFACT_FORMAT.md) over a <see cref="ResilientGnnBatch"/> of user graphs. Layer l:
/// <c>y'_v = LeakyReLU(W1 y_v + b1 + sum_{u -> v} w_uv (W2 y_v - W3 y_u))</c>, evaluated as
/// <c>W1 y_v + b1 + d_v W2 y_v - (sum_{c != a(v)} w[v, c] T_c + w_vv W3 y_v)</c> with
/// <c>T_c = sum_{u in c} W3 y_u</c> and <c>d_v = sum_{u -> v} w_uv</c>: the same sum regrouped by the source's
/// cell (every edge from cell c into v has the weight w[v, c]), O(n m h + n h^2) instead of O(n^2 h).
/// Heads: power <c>p_i = Pmax sigmoid(power.weight . mean_{v in cell i} s_v + power.bias)</c> (0 for a cell
/// without an active user); selection <c>pi_v = softmax over cell i's active users of (selection.weight . s_v
/// + selection.bias) / temperature</c> (0 for inactive users).
/// Activations are float32, like the PyTorch model the weights come from; head outputs are computed and
/// returned in double. Buffers grow with the largest batch seen; after that <see cref="Run"/> does not
/// allocate. One instance serves one caller at a time; the weights are shared.
/// </summary>
public sealed class ResilientGnnModel
{
    private readonly ResilientGnnWeights _weights;
    private float[] _layerA = [];
    private float[] _layerB = [];
    private float[] _products = [];
    private float[] _message = [];
    private float[] _cellSum = [];
    private double[] _logit = [];
    private double[] _selection = [];
    private double[] _power = [];
    private double[] _cellMean = [];
    private double[] _cellMax = [];
    private double[] _cellDenominator = [];
    private float[] _output = [];
    private int _nodes;
    private int _cells;

    /// <summary>Creates a model with its own workspace over shared <paramref name="weights"/>.</summary>
    public ResilientGnnModel(ResilientGnnWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _weights = weights;
    }

    /// <summary>The weights.</summary>
    public ResilientGnnWeights Weights => _weights;

    /// <summary>Power of every cell of the last batch (batch cell order), in the graphs' power unit.</summary>
    public ReadOnlySpan<double> Power => _power.AsSpan(0, _cells);

    /// <summary>Selection probability of every node of the last batch (batch node order).</summary>
    public ReadOnlySpan<double> Selection => _selection.AsSpan(0, _nodes);

    /// <summary>The last layer's output s_v of every node of the last batch, row-major nodes x hidden.</summary>
    public ReadOnlySpan<float> Embeddings => _output.AsSpan(0, _nodes * _weights.Hyperparameters.Hidden);

    /// <summary>Runs every graph of <paramref name="batch"/>; read the results from <see cref="Power"/> and <see cref="Selection"/>.</summary>
    public void Run(ResilientGnnBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var hyperparameters = _weights.Hyperparameters;
        var hidden = hyperparameters.Hidden;
        var nodes = batch.Nodes;
        var cells = batch.Cells;
        EnsureCapacity(nodes, cells, hidden);
        _nodes = nodes;
        _cells = cells;

        ReadOnlySpan<float> input = batch.Features;
        var inputWidth = 1;
        var slope = (float)hyperparameters.LeakySlope;
        for (var layer = 0; layer < hyperparameters.Layers; layer++)
        {
            var output = (layer % 2 == 0 ? _layerA : _layerB).AsSpan(0, nodes * hidden);
            Layer(batch, layer, input, inputWidth, output, slope);
            input = output;
            inputWidth = hidden;
        }

        // The last layer's output stays where it is; Embeddings reads it through _output.
        _output = hyperparameters.Layers % 2 == 1 ? _layerA : _layerB;
        Heads(batch, input, hidden);
    }

    private void Layer(ResilientGnnBatch batch, int layer, ReadOnlySpan<float> input, int inputWidth, Span<float> output, float slope)
    {
        var hidden = _weights.Hyperparameters.Hidden;
        var nodes = batch.Nodes;
        var width = 3 * hidden;

        // [W1 y_v | W2 y_v | W3 y_v] for every node in one product.
        var products = _products.AsSpan(0, nodes * width);
        DenseKernels.Multiply(input, _weights.Stacked(layer), products, nodes, inputWidth, width);

        // T_c: W3 y summed over each cell's users.
        var cellSum = _cellSum.AsSpan(0, batch.Cells * hidden);
        cellSum.Clear();
        var cellOf = batch.CellOfNode;
        for (var v = 0; v < nodes; v++)
        {
            var target = cellSum.Slice(cellOf[v] * hidden, hidden);
            TensorPrimitives.Add(target, products.Slice((v * width) + (2 * hidden), hidden), target);
        }

        // Messages from the other cells: per graph, (users x cells mixing) times (cells x hidden) sums.
        var message = _message.AsSpan(0, nodes * hidden);
        for (var g = 0; g < batch.Graphs; g++)
        {
            var first = batch.NodeStart(g);
            var users = batch.NodeStart(g + 1) - first;
            var firstCell = batch.CellStart(g);
            var graphCells = batch.CellStart(g + 1) - firstCell;
            DenseKernels.Multiply(batch.Mixing(g), cellSum.Slice(firstCell * hidden, graphCells * hidden), message.Slice(first * hidden, users * hidden), users, graphCells, hidden);
        }

        var bias = _weights.Bias(layer);
        var degree = batch.Degree;
        var self = batch.SelfWeight;
        for (var v = 0; v < nodes; v++)
        {
            var row = products.Slice(v * width, width);
            Combine(row[..hidden], bias, degree[v], row.Slice(hidden, hidden), message.Slice(v * hidden, hidden), self[v], row.Slice(2 * hidden, hidden), output.Slice(v * hidden, hidden), slope);
        }
    }

    /// <summary>out = LeakyReLU(a + bias + degree b - message - self c), elementwise.</summary>
    private static void Combine(ReadOnlySpan<float> a, ReadOnlySpan<float> bias, float degree, ReadOnlySpan<float> b, ReadOnlySpan<float> message, float self, ReadOnlySpan<float> c, Span<float> output, float slope)
    {
        var j = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            var degrees = new Vector<float>(degree);
            var selves = new Vector<float>(self);
            var slopes = new Vector<float>(slope);
            for (; j <= a.Length - Vector<float>.Count; j += Vector<float>.Count)
            {
                var x = new Vector<float>(a[j..]) + new Vector<float>(bias[j..]) + (degrees * new Vector<float>(b[j..])) - new Vector<float>(message[j..]) - (selves * new Vector<float>(c[j..]));
                Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), x, x * slopes).CopyTo(output[j..]);
            }
        }

        for (; j < a.Length; j++)
        {
            var x = a[j] + bias[j] + (degree * b[j]) - message[j] - (self * c[j]);
            output[j] = x > 0 ? x : x * slope;
        }
    }

    private void Heads(ResilientGnnBatch batch, ReadOnlySpan<float> embeddings, int hidden)
    {
        var nodes = batch.Nodes;
        var cells = batch.Cells;
        var powerWeight = _weights.PowerWeight;
        var selectionWeight = _weights.SelectionWeight;
        var temperature = _weights.Hyperparameters.SelectionTemperature;
        var cellOf = batch.CellOfNode;
        var active = batch.Active;
        var cellMean = _cellMean.AsSpan(0, cells);
        var cellMax = _cellMax.AsSpan(0, cells);
        var denominator = _cellDenominator.AsSpan(0, cells);
        var logit = _logit.AsSpan(0, nodes);
        var selection = _selection.AsSpan(0, nodes);
        cellMean.Clear();
        cellMax.Fill(double.NegativeInfinity);
        denominator.Clear();

        // power.weight . mean s = mean of power.weight . s: one dot per node, averaged per cell.
        for (var v = 0; v < nodes; v++)
        {
            var s = embeddings.Slice(v * hidden, hidden);
            var cell = cellOf[v];
            cellMean[cell] += TensorPrimitives.Dot(powerWeight, s);
            logit[v] = (TensorPrimitives.Dot(selectionWeight, s) + (double)_weights.SelectionBias) / temperature;
            if (active[v] && logit[v] > cellMax[cell])
            {
                cellMax[cell] = logit[v];
            }
        }

        for (var v = 0; v < nodes; v++)
        {
            if (active[v])
            {
                var cell = cellOf[v];
                selection[v] = Math.Exp(logit[v] - cellMax[cell]);
                denominator[cell] += selection[v];
            }
            else
            {
                selection[v] = 0;
            }
        }

        for (var v = 0; v < nodes; v++)
        {
            if (active[v])
            {
                selection[v] /= denominator[cellOf[v]];
            }
        }

        var cellSize = batch.CellSize;
        var activeUsers = batch.ActiveUsers;
        var power = _power.AsSpan(0, cells);
        for (var g = 0; g < batch.Graphs; g++)
        {
            var maxPower = batch.MaxPower(g);
            for (var c = batch.CellStart(g); c < batch.CellStart(g + 1); c++)
            {
                power[c] = activeUsers[c] == 0 ? 0 : maxPower * Sigmoid((cellMean[c] / cellSize[c]) + _weights.PowerBias);
            }
        }
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private void EnsureCapacity(int nodes, int cells, int hidden)
    {
        if (_layerA.Length < nodes * hidden)
        {
            var capacity = Math.Max(nodes, _layerA.Length / hidden * 2);
            _layerA = new float[capacity * hidden];
            _layerB = new float[capacity * hidden];
            _message = new float[capacity * hidden];
            _products = new float[capacity * 3 * hidden];
            _logit = new double[capacity];
            _selection = new double[capacity];
        }

        if (_cellSum.Length < cells * hidden)
        {
            var capacity = Math.Max(cells, _cellSum.Length / hidden * 2);
            _cellSum = new float[capacity * hidden];
            _power = new double[capacity];
            _cellMean = new double[capacity];
            _cellMax = new double[capacity];
            _cellDenominator = new double[capacity];
        }
    }
}
