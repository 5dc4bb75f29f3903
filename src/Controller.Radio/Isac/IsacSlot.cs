using Controller.Radio.Policies;

namespace Controller.Radio.Isac;

/// <summary>What one ISAC design did in one slot, measured at the true channel and the targets' current positions.</summary>
/// <param name="Rates">Each user's rate under the true channel h~ + Delta, bps/Hz.</param>
/// <param name="NominalWsr">WSR at the channel estimates (what the controller could predict), bps/Hz.</param>
/// <param name="TrueWsr">WSR under the true channel, bps/Hz.</param>
/// <param name="TargetCrlb">CRLB of each target's position, m^2 (+infinity when a parameter is unobservable).</param>
/// <param name="Crlb">Their sum, the CRLB of eq. (10), m^2.</param>
public sealed record IsacSlotReport(double[] Rates, double NominalWsr, double TrueWsr, double[] TargetCrlb, double Crlb);

/// <summary>
/// Applies a design to one ISAC slot: the one place where the simulator's RAN and <c>controller eval</c> turn a
/// decision into rates and tracking metrics, so that both report the same numbers for the same design.
/// </summary>
public static class IsacSlot
{
    /// <summary>
    /// The design a power-only decision implies: each cell sends its served user a beam matched to the channel estimate
    /// (the beam whose gain is the ||h~||^2 of the gain matrix) with the decided power, and no sensing columns.
    /// </summary>
    public static double[] MatchedBeams(IsacNetwork network, ReadOnlySpan<double> power, ReadOnlySpan<int> servedUser)
    {
        ArgumentNullException.ThrowIfNull(network);
        var beams = new double[network.BeamLength];
        for (var l = 0; l < network.BaseStations && l < power.Length && l < servedUser.Length; l++)
        {
            var user = servedUser[l];
            if (user < 0 || power[l] <= 0 || network.Cell(user) != l)
            {
                continue;
            }

            var norm = network.ChannelNorm(l, user);
            var scale = norm > 0 ? Math.Sqrt(power[l]) / norm : 0;
            for (var n = 0; n < network.Antennas; n++)
            {
                var h = network.ChannelEstimate(l, user, n);
                var index = network.BeamIndex(l, network.BeamColumn(user), n);
                beams[index] = h.Real * scale;
                beams[index + 1] = h.Imaginary * scale;
            }
        }

        return beams;
    }

    /// <summary>The design of <paramref name="decision"/>: its beams when it carries them, else <see cref="MatchedBeams"/>.</summary>
    public static double[] DesignOf(IsacNetwork network, SlotDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return decision.Beams ?? MatchedBeams(network, decision.Power, decision.ServedReceiver);
    }

    /// <summary>Rates under the true channel (<paramref name="trueErrors"/>: Delta, layout of <see cref="IsacNetwork.ErrorLength"/>), both WSRs and the CRLBs.</summary>
    public static IsacSlotReport Evaluate(IsacNetwork network, ReadOnlySpan<double> beams, ReadOnlySpan<double> trueErrors)
    {
        ArgumentNullException.ThrowIfNull(network);
        var sinr = new double[network.Users];
        var nominal = IsacCommunication.WeightedSumRate(network, beams, default);
        var achieved = IsacCommunication.WeightedSumRate(network, beams, trueErrors, sinr);
        var rates = new double[network.Users];
        for (var u = 0; u < rates.Length; u++)
        {
            rates[u] = Math.Log2(1 + sinr[u]);
        }

        var targets = IsacSensing.TargetCrlb(network, beams);
        return new IsacSlotReport(rates, nominal, achieved, targets, targets.Sum());
    }
}
