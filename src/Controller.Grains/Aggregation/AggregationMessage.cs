namespace Controller.Grains;

/// <summary>
/// One active neighbour j's broadcast as cell i receives it in slot t (paper 004 Algorithm 1): the edge
/// weight and j's K-1 scalars.
/// </summary>
/// <param name="Weight"><c>|h_ij(t)|</c>, the amplitude of the channel from j's transmitter to i's receiver (finite, not negative).</param>
/// <param name="Values"><c>{y_j^(k)(t-1) : k = 0..K-2}</c>, what j's <see cref="ICellGrain.AggregationBeginSlotAsync"/> returned.</param>
[GenerateSerializer]
[Immutable]
[Alias("aggregation-message")]
public readonly record struct AggregationMessage(double Weight, IReadOnlyList<double> Values);
