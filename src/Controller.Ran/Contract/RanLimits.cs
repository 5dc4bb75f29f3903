namespace Controller.Ran.Contract;

/// <summary>The declared ranges of what crosses the RAN interface, checked wherever a value enters the controller.</summary>
public static class RanLimits
{
    /// <summary>
    /// Largest demand (minimum rate) a user may have, bps/Hz, whoever sets it (RAN telemetry, a simulator's demand
    /// schedule, an operator). 40 bps/Hz is log2(1 + SINR) at an SINR of 120 dB, beyond any single-antenna link the
    /// scenarios model, so a larger value is a mistake (a unit slip, say) and is refused before it reaches a user's duals.
    /// </summary>
    public const double MaxDemand = 40;
}
