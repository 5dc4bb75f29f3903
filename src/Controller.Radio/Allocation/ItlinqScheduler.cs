namespace Controller.Radio.Allocation;

/// <summary>
/// ITLinQ link scheduling as in paper 003's reference code: links are visited in decreasing priority
/// (PF ratio); a link is switched on at full power when, against every link already on,
/// <c>max(INR_in, INR_out) &lt;= M * SNR^eta</c>, with SNR, INR_in and INR_out measured at full power
/// (INR_in: the active link's transmitter at this link's receiver; INR_out: this link's transmitter at
/// the active link's receiver), M = 10^2.5 and eta = 0.5. The first link visited is always on.
/// </summary>
public sealed class ItlinqScheduler(double m = ItlinqScheduler.DefaultM, double eta = ItlinqScheduler.DefaultEta) : IPowerAllocator
{
    /// <summary>Default threshold factor M = 10^2.5.</summary>
    public const double DefaultM = 316.22776601683796;

    /// <summary>Default SNR exponent.</summary>
    public const double DefaultEta = 0.5;

    private int[] _order = [];
    private double[] _keys = [];
    private int[] _on = [];

    /// <inheritdoc />
    public void Allocate(LinkSet links, Span<double> power)
    {
        ArgumentNullException.ThrowIfNull(links);
        var count = links.Count;
        if (_order.Length < count)
        {
            _order = new int[count];
            _keys = new double[count];
            _on = new int[count];
        }

        var order = _order.AsSpan(0, count);
        var keys = _keys.AsSpan(0, count);
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
            // Sort ascending on the negated priority; the index tie-break keeps the order deterministic.
            keys[i] = -links.Priority[i];
        }

        SortStable(keys, order);
        var scale = links.MaxPower / links.Noise;
        var activeCount = 0;
        foreach (var i in order)
        {
            var threshold = m * Math.Pow(scale * links.Gain(i, i), eta);
            var admit = true;
            for (var a = 0; a < activeCount && admit; a++)
            {
                var j = _on[a];
                var inrIn = scale * links.Gain(i, j);
                var inrOut = scale * links.Gain(j, i);
                admit = Math.Max(inrIn, inrOut) <= threshold;
            }

            power[i] = admit ? links.MaxPower : 0;
            if (admit)
            {
                _on[activeCount++] = i;
            }
        }
    }

    private static void SortStable(Span<double> keys, Span<int> items)
    {
        // Insertion sort: K is at most a few hundred links per slot and this keeps ties in index order without allocating.
        for (var i = 1; i < keys.Length; i++)
        {
            var key = keys[i];
            var item = items[i];
            var j = i - 1;
            while (j >= 0 && keys[j] > key)
            {
                keys[j + 1] = keys[j];
                items[j + 1] = items[j];
                j--;
            }

            keys[j + 1] = key;
            items[j + 1] = item;
        }
    }
}
