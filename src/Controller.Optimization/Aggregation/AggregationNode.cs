using System.Numerics.Tensors;

namespace Controller.Optimization.Aggregation;

/// <summary>
/// One transmitter's side of paper 004's Algorithm 1: the length-K wireless aggregation sequence
/// <c>y_i(t) = [y_i^(0)(t), ..., y_i^(K-1)(t)]</c> (eq. 12), the sequence of the previous slot (what the node
/// sends), and the node's resource decision. Per slot:
/// <list type="number">
/// <item><see cref="BeginSlot"/>: the current sequence becomes the previous one; an active node observes its
/// state, <c>y_i^(0)(t) = x_i(t)</c>; an inactive node keeps its last observation (line 3 of Algorithm 1 is
/// on the active branch only); <c>y_i^(1..K-1)(t)</c> restart from 0.</item>
/// <item>Every active node j broadcasts <see cref="Outgoing"/>, <c>{y_j^(k)(t-1) : k = 0..K-2}</c> (K-1 scalars);
/// inactive nodes send nothing.</item>
/// <item>Each node, active or not, calls <see cref="Receive"/> once per active neighbour j in N_i(t) (itself
/// included when active and its own edge passes the threshold), accumulating
/// <c>y_i^(k)(t) = sum_{j in N_i(t)} |h_ij(t)| y_j^(k-1)(t-1)</c> for k = 1..K-1.</item>
/// <item>An active node may then <see cref="Decide"/>; an inactive one keeps <c>p_i(t) = p_i(t-1)</c>.</item>
/// </list>
/// No allocation after construction; a grain can hold one node, <see cref="AggregationNetwork"/> holds many.
/// </summary>
public sealed class AggregationNode
{
    private double[] _current;
    private double[] _previous;

    /// <summary>Creates a node with an all-zero history (no information before the first slot).</summary>
    public AggregationNode(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        _current = new double[length];
        _previous = new double[length];
    }

    /// <summary>K, the length of the aggregation sequence (K-1 hops of delayed information).</summary>
    public int Length => _current.Length;

    /// <summary>True when the node is active (in A(t)) in the current slot.</summary>
    public bool Active { get; private set; }

    /// <summary>y_i(t), the policy input; complete once every neighbour's message was received.</summary>
    public ReadOnlySpan<double> Sequence => _current;

    /// <summary>
    /// What this node broadcasts in the current slot when active: <c>{y_i^(k)(t-1) : k = 0..K-2}</c>, the
    /// previous slot's sequence without its last entry (empty when K = 1).
    /// </summary>
    public ReadOnlySpan<double> Outgoing => _previous.AsSpan(0, _previous.Length - 1);

    /// <summary>p_i, the last decision (kept while inactive).</summary>
    public double Decision { get; private set; }

    /// <summary>Starts slot t: shifts the history and sets <c>y_i^(0)(t)</c> to <paramref name="state"/> when active.</summary>
    public void BeginSlot(bool active, double state)
    {
        if (active && !double.IsFinite(state))
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "The node state must be finite.");
        }

        (_previous, _current) = (_current, _previous);
        var observed = active ? state : _previous[0];
        Array.Clear(_current);
        _current[0] = observed;
        Active = active;
    }

    /// <summary>
    /// Folds in the message of one active neighbour j: <c>y_i^(k)(t) += |h_ij(t)| message[k-1]</c> for
    /// k = 1..K-1. <paramref name="message"/> is j's <see cref="Outgoing"/> of this slot.
    /// </summary>
    public void Receive(double amplitude, ReadOnlySpan<double> message)
    {
        if (message.Length != _current.Length - 1)
        {
            throw new ArgumentException($"A message carries K-1 = {_current.Length - 1} values; got {message.Length}.", nameof(message));
        }

        var aggregates = _current.AsSpan(1);
        TensorPrimitives.MultiplyAdd(message, amplitude, aggregates, aggregates);
    }

    /// <summary>Sets p_i(t); only an active node decides (line 6 of Algorithm 1).</summary>
    public void Decide(double decision)
    {
        if (!Active)
        {
            throw new InvalidOperationException("An inactive node keeps its previous decision (p_i(t) = p_i(t-1)).");
        }

        Decision = decision;
    }
}
