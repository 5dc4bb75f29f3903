namespace Controller.Radio.Channels;

/// <summary>
/// Linear power gains <c>G[r, t] = |h_rt|^2</c> from transmitter <c>t</c> to receiver <c>r</c>, stored
/// row-major by receiver. This is the one gain convention of the whole controller: SINR at receiver
/// <c>r</c> served by <c>t</c> is <c>G[r,t] p_t / (noise + sum_{k != t} G[r,k] p_k)</c>.
/// </summary>
public sealed class GainMatrix
{
    private readonly double[] _values;

    /// <summary>Creates an all-zero matrix.</summary>
    public GainMatrix(int receivers, int transmitters)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(receivers);
        ArgumentOutOfRangeException.ThrowIfNegative(transmitters);
        Receivers = receivers;
        Transmitters = transmitters;
        _values = new double[receivers * transmitters];
    }

    /// <summary>Number of receivers (rows).</summary>
    public int Receivers { get; }

    /// <summary>Number of transmitters (columns).</summary>
    public int Transmitters { get; }

    /// <summary>Gain from transmitter <paramref name="transmitter"/> to receiver <paramref name="receiver"/>.</summary>
    public double this[int receiver, int transmitter]
    {
        get => _values[(receiver * Transmitters) + transmitter];
        set => _values[(receiver * Transmitters) + transmitter] = value;
    }

    /// <summary>All gains, row-major by receiver.</summary>
    public Span<double> Values => _values;

    /// <summary>The gains seen by one receiver, one per transmitter.</summary>
    public Span<double> Row(int receiver) => _values.AsSpan(receiver * Transmitters, Transmitters);

    /// <summary>Copies every gain into <paramref name="destination"/> (same shape).</summary>
    public void CopyTo(GainMatrix destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Receivers != Receivers || destination.Transmitters != Transmitters)
        {
            throw new ArgumentException("Gain matrices differ in shape.", nameof(destination));
        }

        _values.CopyTo(destination._values, 0);
    }
}
