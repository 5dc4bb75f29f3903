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
