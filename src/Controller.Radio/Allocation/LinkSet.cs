using Controller.Radio.Channels;

namespace Controller.Radio.Allocation;

/// <summary>
/// The links of one slot after user selection: link k is transmitter <see cref="Transmitter"/>[k]
/// serving receiver <see cref="Receiver"/>[k]. Power allocators work on its compact K x K gains.
/// Buffers are reused from slot to slot: building a link set allocates only when the network grows.
/// </summary>
public sealed class LinkSet
{
    private double[] _gains = [];
    private int[] _transmitter = [];
    private int[] _receiver = [];
    private double[] _priority = [];

    /// <summary>Number of links K.</summary>
    public int Count { get; private set; }

    /// <summary>Compact gains, row-major K x K: entry (i, j) is the gain from link j's transmitter to link i's receiver.</summary>
    public ReadOnlySpan<double> Gains => _gains.AsSpan(0, Count * Count);

    /// <summary>Transmitter of each link.</summary>
    public ReadOnlySpan<int> Transmitter => _transmitter.AsSpan(0, Count);

    /// <summary>Receiver of each link.</summary>
    public ReadOnlySpan<int> Receiver => _receiver.AsSpan(0, Count);

    /// <summary>Scheduling priority of each link (its receiver's PF ratio); larger goes first.</summary>
    public ReadOnlySpan<double> Priority => _priority.AsSpan(0, Count);

    /// <summary>Noise power.</summary>
    public double Noise { get; private set; }

    /// <summary>Largest power of one transmitter.</summary>
    public double MaxPower { get; private set; }

    /// <summary>Total power budget of the whole network (all transmitters, not just these links).</summary>
    public double PowerBudget { get; private set; }

    /// <summary>Number of transmitters in the whole network.</summary>
    public int NetworkTransmitters { get; private set; }

    /// <summary>Gain (i, j) of the compact matrix.</summary>
    public double Gain(int receiverLink, int transmitterLink) => _gains[(receiverLink * Count) + transmitterLink];

    /// <summary>
    /// Fills the set from the full gains and a selection (transmitter t serves <paramref name="servedReceiver"/>[t],
    /// -1 for none); <paramref name="receiverPriority"/> gives each receiver's priority (may be empty: all equal).
    /// </summary>
    public void Build(GainMatrix gains, ReadOnlySpan<int> servedReceiver, ReadOnlySpan<double> receiverPriority, double noise, double maxPower, double powerBudget)
    {
        ArgumentNullException.ThrowIfNull(gains);
        var count = 0;
        foreach (var r in servedReceiver)
        {
            if (r >= 0)
            {
                count++;
            }
        }

        Reset(count, noise, maxPower, powerBudget, servedReceiver.Length);
        var k = 0;
        for (var t = 0; t < servedReceiver.Length; t++)
        {
            var r = servedReceiver[t];
            if (r < 0)
            {
                continue;
            }

            _transmitter[k] = t;
            _receiver[k] = r;
            _priority[k] = receiverPriority.IsEmpty ? 0 : receiverPriority[r];
            k++;
        }

        for (var i = 0; i < count; i++)
        {
            var row = gains.Row(_receiver[i]);
            var compact = _gains.AsSpan(i * count, count);
            for (var j = 0; j < count; j++)
            {
                compact[j] = row[_transmitter[j]];
            }
        }
    }

    /// <summary>Fills the set directly from compact gains (links i -> i), for tests and benchmarks.</summary>
    public void SetLinks(ReadOnlySpan<double> compactGains, int count, double noise, double maxPower, double powerBudget)
    {
        if (compactGains.Length != count * count)
        {
            throw new ArgumentException("Compact gains must hold count x count values.", nameof(compactGains));
        }

        Reset(count, noise, maxPower, powerBudget, count);
        compactGains.CopyTo(_gains);
        for (var i = 0; i < count; i++)
        {
            _transmitter[i] = i;
            _receiver[i] = i;
            _priority[i] = 0;
        }
    }

    /// <summary>Sets the priority of link <paramref name="link"/>.</summary>
    public void SetPriority(int link, double priority) => _priority[link] = priority;

    private void Reset(int count, double noise, double maxPower, double powerBudget, int networkTransmitters)
    {
        if (_gains.Length < count * count)
        {
            _gains = new double[count * count];
        }

        if (_transmitter.Length < count)
        {
            _transmitter = new int[count];
            _receiver = new int[count];
            _priority = new double[count];
        }

        Count = count;
        Noise = noise;
        MaxPower = maxPower;
        PowerBudget = powerBudget;
        NetworkTransmitters = networkTransmitters;
    }
}
