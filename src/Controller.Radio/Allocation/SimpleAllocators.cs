using Controller.Radio.Randomness;

namespace Controller.Radio.Allocation;

/// <summary>Full reuse: every scheduled transmitter at full power.</summary>
public sealed class FullReuseAllocator : IPowerAllocator
{
    /// <inheritdoc />
    public void Allocate(LinkSet links, Span<double> power)
    {
        ArgumentNullException.ThrowIfNull(links);
        power[..links.Count].Fill(links.MaxPower);
    }
}

/// <summary>Paper 004's equal power: every transmitter gets the total budget divided by the number of transmitters (capped at the maximum).</summary>
public sealed class EqualPowerAllocator : IPowerAllocator
{
    /// <inheritdoc />
    public void Allocate(LinkSet links, Span<double> power)
    {
        ArgumentNullException.ThrowIfNull(links);
        var share = Math.Min(links.MaxPower, links.PowerBudget / Math.Max(1, links.NetworkTransmitters));
        power[..links.Count].Fill(share);
    }
}

/// <summary>
/// Paper 004's random full power: each transmitter sends at full power with probability
/// budget / (p0 m), else stays silent, so the budget holds on average.
/// </summary>
public sealed class RandomFullPowerAllocator(SeededRandom random) : IPowerAllocator
{
    /// <inheritdoc />
    public void Allocate(LinkSet links, Span<double> power)
    {
        ArgumentNullException.ThrowIfNull(links);
        var probability = Math.Min(1, links.PowerBudget / (links.MaxPower * Math.Max(1, links.NetworkTransmitters)));
        for (var i = 0; i < links.Count; i++)
        {
            power[i] = random.NextBernoulli(probability) ? links.MaxPower : 0;
        }
    }
}

/// <summary>
/// A distributed on/off rule: each link transmits at full power when its own current SNR (max power x direct gain /
/// noise) reaches <paramref name="thresholdDb"/>, else stays silent. It sees nothing but its own current direct gain,
/// so on i.i.d. channels it stands for what any policy with local information can do (paper 001's distributed DNN).
/// </summary>
public sealed class LocalThresholdAllocator(double thresholdDb) : IPowerAllocator
{
    private readonly double _threshold = Math.Pow(10, thresholdDb / 10);

    /// <summary>The threshold in dB.</summary>
    public double ThresholdDb => thresholdDb;

    /// <inheritdoc />
    public void Allocate(LinkSet links, Span<double> power)
    {
        ArgumentNullException.ThrowIfNull(links);
        for (var i = 0; i < links.Count; i++)
        {
            power[i] = links.MaxPower * links.Gain(i, i) >= _threshold * links.Noise ? links.MaxPower : 0;
        }
    }
}
