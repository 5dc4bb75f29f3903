namespace Controller.Optimization.Alcor;

/// <summary>
/// One user's part of ALCOR (paper 001 Algorithm 1): its demand, duals and on-probability, and the running
/// sum of its shortfall over the current batch. A value: the update rules in <see cref="AlcorUpdater"/>
/// return new states, so the same code serves a policy holding an array of users and a grain holding one.
/// Start from <see cref="AlcorUpdater.Start"/>.
/// </summary>
public readonly record struct AlcorUserState
{
    /// <summary>u_min in bps/Hz; 0 means no demand (the user still takes part, with shortfall -R).</summary>
    public double Demand { get; init; }

    /// <summary>lambda^k = max(0, h^k) ≥ 0, the multiplier that sets kappa.</summary>
    public double Lambda { get; init; }

    /// <summary>lbar^k, the extragradient base iterate.</summary>
    public double LambdaBar { get; init; }

    /// <summary>lbar^{k-1}, needed by the momentum term of step 3.</summary>
    public double PreviousLambdaBar { get; init; }

    /// <summary>h^k, the extragradient intermediate iterate.</summary>
    public double Intermediate { get; init; }

    /// <summary>kappa^k in (0, 1], the probability that the user is switched on in a slot.</summary>
    public double Kappa { get; init; }

    /// <summary>Sum of u_min - R over the slots of the current batch.</summary>
    public double BatchShortfallSum { get; init; }

    /// <summary>Slots folded into <see cref="BatchShortfallSum"/>.</summary>
    public int BatchSlots { get; init; }

    /// <summary>True between the two batches of an extragradient iteration (steps 3-4 done, step 7 pending).</summary>
    public bool AwaitingSecondBatch { get; init; }

    /// <summary>Completed iterations k since the start or the last demand change.</summary>
    public int Iteration { get; init; }
}
