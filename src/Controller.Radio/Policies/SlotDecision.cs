namespace Controller.Radio.Policies;

/// <summary>What a policy decides for one slot: who each transmitter serves and at what power.</summary>
public sealed class SlotDecision
{
    /// <summary>Creates an all-off decision for <paramref name="transmitters"/> transmitters.</summary>
    public SlotDecision(int transmitters)
    {
        Power = new double[transmitters];
        ServedReceiver = new int[transmitters];
        Array.Fill(ServedReceiver, -1);
    }

    /// <summary>Transmit power per transmitter (0 when off).</summary>
    public double[] Power { get; }

    /// <summary>Receiver served per transmitter (-1: none).</summary>
    public int[] ServedReceiver { get; }

    /// <summary>
    /// A beamforming design for an ISAC configuration (the vector gamma of <see cref="Isac.IsacNetwork"/>: per base
    /// station its user beams and sensing-covariance factor, sqrt(mW)), or null for a power-only decision. ISAC
    /// policies set it on every decision; whoever reuses a decision across policies clears it before deciding.
    /// </summary>
    public double[]? Beams { get; set; }
}
