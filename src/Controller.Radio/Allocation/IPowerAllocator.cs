namespace Controller.Radio.Allocation;

/// <summary>
/// Chooses transmit powers for the links of one slot. Implementations keep their own scratch buffers,
/// so one instance serves one caller at a time.
/// </summary>
public interface IPowerAllocator
{
    /// <summary>Writes a power in [0, MaxPower] for each of the <see cref="LinkSet.Count"/> links.</summary>
    void Allocate(LinkSet links, Span<double> power);
}
