using System.Globalization;
using System.Runtime.InteropServices;
using Controller.Optimization.Aggregation;

namespace Controller.Grains;

/// <summary>
/// A cell's part in paper 004's aggregation (Algorithm 1): in paper 004 each transmitter-receiver pair is a
/// node; here it is a cell, and its grain holds the node's <see cref="AggregationNode"/>. A driver
/// (<see cref="AggregationGrainRun"/>) carries each slot's broadcasts between neighbouring cells; the
/// recursion <c>y_i^(k)(t) = sum_{j in N_i(t)} |h_ij(t)| y_j^(k-1)(t-1)</c> runs in the grain.
/// </summary>
public partial interface ICellGrain
{
    /// <summary>
    /// Joins (or restarts) an aggregation run with sequences of length <paramref name="length"/> (K &gt;= 1) and
    /// an all-zero history. The history is held in memory only: after a deactivation the cell must join again
    /// (its slot calls throw <see cref="InvalidOperationException"/> until then).
    /// </summary>
    ValueTask AggregationJoinAsync(int length, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts slot t: the sequence of t-1 becomes the one the cell broadcasts; an active cell observes
    /// <paramref name="state"/> as <c>y_i^(0)(t) = x_i(t)</c>, an inactive one keeps its last observation and
    /// ignores <paramref name="state"/>. Returns the broadcast <c>{y_i^(k)(t-1) : k = 0..K-2}</c> (K-1 scalars)
    /// when active, nothing (an empty array) when inactive. Throws <see cref="ArgumentOutOfRangeException"/> for
    /// an active cell's state that is not finite; the cell is then unchanged.
    /// </summary>
    ValueTask<double[]> AggregationBeginSlotAsync(double state, bool active, CancellationToken cancellationToken = default);

    /// <summary>
    /// Folds in the broadcasts of the cell's active neighbours in slot t (itself included when its own edge
    /// passes the threshold), in the order given, and returns <c>y_i(t)</c>. Active and inactive cells receive.
    /// Throws <see cref="ArgumentException"/> for a weight that is negative or not finite, or a message that
    /// does not carry K-1 finite values, and <see cref="InvalidOperationException"/> before the first slot; the
    /// cell is then unchanged (no message of the batch is applied).
    /// </summary>
    ValueTask<double[]> AggregationReceiveAsync(IReadOnlyList<AggregationMessage> messages, CancellationToken cancellationToken = default);

    /// <summary><c>y_i(t) = [y_i^(0)(t), ..., y_i^(K-1)(t)]</c>, the policy input, as it stands (K zeros before the first slot).</summary>
    ValueTask<double[]> AggregationSequenceAsync(CancellationToken cancellationToken = default);
}

/// <summary>The aggregation part of a cell grain: one <see cref="AggregationNode"/>, in memory.</summary>
internal sealed partial class CellGrain
{
    private AggregationNode? _aggregation;
    private long _aggregationSlots;
    // For messages whose values come neither as an array nor as a list (a span of them is needed).
    private double[] _aggregationScratch = [];

    public ValueTask AggregationJoinAsync(int length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        _aggregation = new AggregationNode(length);
        _aggregationSlots = 0;
        _aggregationScratch = new double[length - 1];
        return ValueTask.CompletedTask;
    }

    public ValueTask<double[]> AggregationBeginSlotAsync(double state, bool active, CancellationToken cancellationToken)
    {
        var node = JoinedAggregation();
        if (active && !double.IsFinite(state))
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, string.Create(CultureInfo.InvariantCulture, $"Cell '{Key}' got state {state:R}; an active cell's state x_i(t) must be finite."));
        }

        node.BeginSlot(active, state);
        _aggregationSlots++;
        // A copy: the node overwrites its buffers next slot, and the receivers may still hold the broadcast.
        return ValueTask.FromResult(active ? node.Outgoing.ToArray() : []);
    }

    public ValueTask<double[]> AggregationReceiveAsync(IReadOnlyList<AggregationMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var node = JoinedAggregation();
        if (_aggregationSlots == 0)
        {
            throw new InvalidOperationException($"Cell '{Key}' has not started a slot; call AggregationBeginSlotAsync first.");
        }

        // The whole batch is checked before any of it is applied, so a rejected batch leaves the node as it was.
        for (var m = 0; m < messages.Count; m++)
        {
            CheckMessage(messages[m], m, node.Length - 1, nameof(messages));
        }

        for (var m = 0; m < messages.Count; m++)
        {
            node.Receive(messages[m].Weight, Values(messages[m].Values));
        }

        return ValueTask.FromResult(node.Sequence.ToArray());
    }

    public ValueTask<double[]> AggregationSequenceAsync(CancellationToken cancellationToken)
        => ValueTask.FromResult(JoinedAggregation().Sequence.ToArray());

    private AggregationNode JoinedAggregation()
        => _aggregation ?? throw new InvalidOperationException($"Cell '{Key}' has not joined an aggregation run (or was deactivated since: the history is held in memory only); call AggregationJoinAsync first.");

    private void CheckMessage(AggregationMessage message, int index, int scalars, string parameter)
    {
        if (!double.IsFinite(message.Weight) || message.Weight < 0)
        {
            throw new ArgumentOutOfRangeException(parameter, message.Weight, string.Create(CultureInfo.InvariantCulture, $"Message {index} to cell '{Key}' has weight {message.Weight:R}; a weight |h_ij| is finite and not negative."));
        }

        if (message.Values is null || message.Values.Count != scalars)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Message {index} to cell '{Key}' carries {message.Values?.Count ?? 0} values; a broadcast carries K-1 = {scalars}."), parameter);
        }

        for (var k = 0; k < scalars; k++)
        {
            if (!double.IsFinite(message.Values[k]))
            {
                throw new ArgumentOutOfRangeException(parameter, message.Values[k], string.Create(CultureInfo.InvariantCulture, $"Message {index} to cell '{Key}' has value {message.Values[k]:R} at hop {k}; a broadcast's aggregates are finite."));
            }
        }
    }

    // Arrays (in-process calls) and lists (decoded calls) are read in place; anything else is copied once.
    private ReadOnlySpan<double> Values(IReadOnlyList<double> values)
    {
        switch (values)
        {
            case double[] array:
                return array;
            case List<double> list:
                return CollectionsMarshal.AsSpan(list);
            default:
                for (var k = 0; k < _aggregationScratch.Length; k++)
                {
                    _aggregationScratch[k] = values[k];
                }

                return _aggregationScratch;
        }
    }
}
