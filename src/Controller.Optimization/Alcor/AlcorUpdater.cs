namespace Controller.Optimization.Alcor;

/// <summary>
/// ALCOR's update rules (paper 001 Algorithm 1 and the simple variant of Sec. III-D) as pure functions of
/// one user's state. Per slot a user folds its rate in with <see cref="Accumulate"/>; at the end of each
/// batch of B slots <see cref="EndBatch"/> applies the step due; when that completes an iteration the
/// region shares <c>max_l (1 + lambda_l)</c> (one scalar per user, a max-consensus) and every user sets its
/// kappa with <see cref="WithKappa"/>. <see cref="NormalizeKappa"/> does the last part for a whole region held
/// in one array.
/// </summary>
public static class AlcorUpdater
{
    /// <summary>Algorithm 1's initial values: lbar^{-1} = lbar^0 = 0, h^0 = 0, lambda^0 = 0, kappa^0 = 1.</summary>
    public static AlcorUserState Start(double demand) => new()
    {
        Demand = CheckDemand(demand),
        Kappa = 1,
    };

    /// <summary>
    /// Restarts the iteration for a new demand (the paper's demand windows). lambda is kept as a warm start:
    /// lbar^{-1} = lbar^0 = h^0 = lambda, so the momentum term of step 3 starts at zero instead of carrying
    /// the old demand's shortfall; kappa is kept (it follows lambda); the batch in progress is dropped
    /// because its shortfalls were measured against the old demand.
    /// </summary>
    public static AlcorUserState ChangeDemand(in AlcorUserState state, double demand) => state with
    {
        Demand = CheckDemand(demand),
        LambdaBar = state.Lambda,
        PreviousLambdaBar = state.Lambda,
        Intermediate = state.Lambda,
        BatchShortfallSum = 0,
        BatchSlots = 0,
        AwaitingSecondBatch = false,
        Iteration = 0,
    };

    /// <summary>Folds one slot's rate R (0 while switched off) into the batch: adds u_min - R, the slot's Fhat (eq. 6).</summary>
    public static AlcorUserState Accumulate(in AlcorUserState state, double rate)
    {
        if (!double.IsFinite(rate))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "A user's rate must be finite.");
        }

        return state with
        {
            BatchShortfallSum = state.BatchShortfallSum + (state.Demand - rate),
            BatchSlots = state.BatchSlots + 1,
        };
    }

    /// <summary>
    /// Ends the current batch: its mean shortfall (eq. 8) drives steps 3-4 or step 7 of Algorithm 1, or the
    /// simple update, per <paramref name="settings"/>. <paramref name="iterationComplete"/> is true when
    /// lambda^{k+1} is final and kappa must be renormalized (<see cref="WithKappa"/>). An empty batch changes nothing.
    /// </summary>
    public static AlcorUserState EndBatch(in AlcorUserState state, AlcorSettings settings, out bool iterationComplete)
    {
        ArgumentNullException.ThrowIfNull(settings);
        iterationComplete = false;
        if (state.BatchSlots == 0)
        {
            return state;
        }

        var estimate = state.BatchShortfallSum / state.BatchSlots;
        var cleared = state with { BatchShortfallSum = 0, BatchSlots = 0 };
        if (settings.Variant == AlcorVariant.Simple)
        {
            iterationComplete = true;
            return SimpleStep(cleared, estimate, settings.Alpha);
        }

        if (!state.AwaitingSecondBatch)
        {
            return Extrapolate(cleared, estimate, settings.Alpha, settings.Gamma);
        }

        iterationComplete = true;
        return Correct(cleared, estimate, settings.Alpha, settings.Gamma);
    }

    /// <summary>
    /// Steps 3-4 with the first batch's estimate Fhat:
    /// <c>h^{k+1} = lbar^k + alpha gamma Fhat + (1 - alpha)(h^k - lbar^{k-1})</c>, <c>lambda^{k+1} = max(0, h^{k+1})</c>.
    /// kappa stays at kappa^k for the second batch.
    /// </summary>
    public static AlcorUserState Extrapolate(in AlcorUserState state, double estimate, double alpha, double gamma)
    {
        // Alg. 1 step 3; the printed form lbar + gamma Fhat + (1 - alpha)(h - lbar^{k-1} - gamma Fhat) reduces to this.
        var intermediate = state.LambdaBar + (alpha * gamma * estimate) + ((1 - alpha) * (state.Intermediate - state.PreviousLambdaBar));
        return state with
        {
            Intermediate = intermediate,
            Lambda = Math.Max(0, intermediate), // Alg. 1 step 4
            AwaitingSecondBatch = true,
        };
    }

    /// <summary>
    /// Step 7 with the second batch's estimate Fbar (drawn with the same kappa^k):
    /// <c>lbar^{k+1} = lbar^k - alpha (h^{k+1} - lambda^{k+1} - gamma Fbar)</c>.
    /// </summary>
    public static AlcorUserState Correct(in AlcorUserState state, double estimate, double alpha, double gamma) => state with
    {
        // Alg. 1 step 7.
        LambdaBar = state.LambdaBar - (alpha * (state.Intermediate - state.Lambda - (gamma * estimate))),
        PreviousLambdaBar = state.LambdaBar,
        AwaitingSecondBatch = false,
        Iteration = state.Iteration + 1,
    };

    /// <summary>The simple variant (Sec. III-D): <c>lambda^{k+1} = max(0, lambda^k + alpha Fhat)</c>, one batch per iteration.</summary>
    public static AlcorUserState SimpleStep(in AlcorUserState state, double estimate, double alpha)
    {
        var lambda = Math.Max(0, state.Lambda + (alpha * estimate));
        return state with
        {
            Lambda = lambda,
            Intermediate = lambda,
            LambdaBar = lambda,
            PreviousLambdaBar = state.Lambda,
            Iteration = state.Iteration + 1,
        };
    }

    /// <summary>
    /// Step 8 for one user once the region's <c>max_l (1 + lambda_l)</c> is known:
    /// <c>kappa_i = (1 + lambda_i) / max_l (1 + lambda_l)</c>. Capped at 1 so that a max gathered from
    /// slightly stale peers cannot make a probability above one.
    /// </summary>
    public static AlcorUserState WithKappa(in AlcorUserState state, double maxOnePlusLambda)
    {
        if (!(maxOnePlusLambda >= 1) || double.IsPositiveInfinity(maxOnePlusLambda))
        {
            throw new ArgumentOutOfRangeException(nameof(maxOnePlusLambda), maxOnePlusLambda, "max_l (1 + lambda_l) is at least 1 and finite.");
        }

        return state with { Kappa = Math.Min(1, (1 + state.Lambda) / maxOnePlusLambda) }; // Alg. 1 step 8
    }

    /// <summary>The scalar of the max-consensus: <c>max_l (1 + lambda_l)</c> over <paramref name="users"/> (1 when empty).</summary>
    public static double MaxOnePlusLambda(ReadOnlySpan<AlcorUserState> users)
    {
        var max = 1.0;
        foreach (var user in users)
        {
            max = Math.Max(max, 1 + user.Lambda);
        }

        return max;
    }

    /// <summary>Step 8 for a whole region held in one array: the max over <paramref name="users"/>, then each kappa.</summary>
    public static void NormalizeKappa(Span<AlcorUserState> users)
    {
        var max = MaxOnePlusLambda(users);
        for (var i = 0; i < users.Length; i++)
        {
            users[i] = WithKappa(users[i], max);
        }
    }

    private static double CheckDemand(double demand)
        => demand >= 0 && double.IsFinite(demand) ? demand : throw new ArgumentOutOfRangeException(nameof(demand), demand, "A demand must be finite and non-negative.");
}
