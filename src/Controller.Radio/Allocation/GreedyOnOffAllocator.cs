namespace Controller.Radio.Allocation;

/// <summary>
/// A centralized on/off reference on the current channel: starting with every link off, it switches on, at full
/// power, the link that raises the sum rate most, and repeats while the sum rate rises and one more transmitter
/// at full power still fits the network's total power budget (<c>floor(B / p0)</c> links at most). It decides
/// from the whole current gain matrix, so it bounds from below what an on/off policy under the budget can reach
/// with full channel knowledge (paper 004's Agg-GNN chooses on/off from local, partly delayed information).
/// Each step tries every link that is off against the running interference: O(L K^2) for L links switched on.
/// </summary>
public sealed class GreedyOnOffAllocator : IPowerAllocator
{
    private double[] _interference = [];
    private bool[] _on = [];

    /// <inheritdoc />
    public void Allocate(LinkSet links, Span<double> power)
    {
        ArgumentNullException.ThrowIfNull(links);
        var count = links.Count;
        if (_on.Length < count)
        {
            _interference = new double[count];
            _on = new bool[count];
        }

        var interference = _interference.AsSpan(0, count);
        var on = _on.AsSpan(0, count);
        interference.Clear();
        on.Clear();
        var p0 = links.MaxPower;
        var allowed = p0 > 0 && double.IsFinite(links.PowerBudget) ? (int)Math.Min(count, Math.Floor((links.PowerBudget / p0) + 1e-9)) : count;
        var current = 0.0;
        for (var step = 0; step < allowed; step++)
        {
            var best = -1;
            var bestRate = current;
            for (var c = 0; c < count; c++)
            {
                if (on[c])
                {
                    continue;
                }

                var rate = SumRateWith(links, on, interference, c, p0);
                if (rate > bestRate)
                {
                    (best, bestRate) = (c, rate);
                }
            }

            if (best < 0)
            {
                break;
            }

            on[best] = true;
            current = bestRate;
            for (var r = 0; r < count; r++)
            {
                if (r != best)
                {
                    interference[r] += links.Gain(r, best) * p0;
                }
            }
        }

        for (var i = 0; i < count; i++)
        {
            power[i] = on[i] ? p0 : 0;
        }
    }

    /// <summary>Sum rate (bps/Hz) of the links on plus <paramref name="candidate"/>, all at <paramref name="p0"/>.</summary>
    private static double SumRateWith(LinkSet links, ReadOnlySpan<bool> on, ReadOnlySpan<double> interference, int candidate, double p0)
    {
        var noise = links.Noise;
        var sum = Math.Log2(1 + (links.Gain(candidate, candidate) * p0 / (noise + interference[candidate])));
        for (var r = 0; r < on.Length; r++)
        {
            if (on[r])
            {
                sum += Math.Log2(1 + (links.Gain(r, r) * p0 / (noise + interference[r] + (links.Gain(r, candidate) * p0))));
            }
        }

        return sum;
    }
}
