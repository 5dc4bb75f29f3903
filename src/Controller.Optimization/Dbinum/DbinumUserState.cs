namespace Controller.Optimization.Dbinum;

/// <summary>
/// One user (flow) of DBiNUM (paper 000 Algorithm 1): its surrogate parameter alpha, rate x and auxiliary
/// variable v, with the bounds of A and the step sizes in <see cref="Options"/>. Each step reads only the
/// user's own state and the signal of its route, so a grain can hold one user and a batch driver
/// (<see cref="DbinumSolver"/>) many. Surrogate: alpha-fair, <c>U_r(x; a) = x^(1-a) / (1-a)</c>.
/// </summary>
public sealed class DbinumUserState
{
    /// <summary>Creates a user at a starting point; alpha is projected onto A, the rate must be positive.</summary>
    public DbinumUserState(DbinumOptions options, double initialAlpha, double initialRate, double initialAuxiliary = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!(initialRate > 0) || double.IsInfinity(initialRate))
        {
            throw new ArgumentOutOfRangeException(nameof(initialRate), initialRate, "DBiNUM starts from a positive, finite rate (x_0 > 0).");
        }

        if (double.IsNaN(initialAlpha))
        {
            throw new ArgumentOutOfRangeException(nameof(initialAlpha), initialAlpha, "alpha must be a number.");
        }

        if (!double.IsFinite(initialAuxiliary))
        {
            throw new ArgumentOutOfRangeException(nameof(initialAuxiliary), initialAuxiliary, "v must be finite.");
        }

        Options = options;
        Alpha = Math.Clamp(initialAlpha, options.AlphaMin, options.AlphaMax);
        Rate = initialRate;
        Auxiliary = initialAuxiliary;
    }

    /// <summary>Step sizes, regularizer and bounds of A.</summary>
    public DbinumOptions Options { get; }

    /// <summary>alpha_r, the learned surrogate parameter, always in [AlphaMin, AlphaMax].</summary>
    public double Alpha { get; private set; }

    /// <summary>x_r, the current rate (warm start of the next lower-level step), always positive.</summary>
    public double Rate { get; private set; }

    /// <summary>v_r, the running estimate of this user's entry of <c>H^-1 g</c> (eq. 6).</summary>
    public double Auxiliary { get; private set; }

    /// <summary>The lower-level gradient <c>G_r = U_r'(x_r; a_r) - eps x_r - sum_{l in L_r} B_l'(y_l)</c>.</summary>
    public double PrimalGradient(in DbinumRouteSignal route)
        => AlphaFairUtility.Derivative(Rate, Alpha) - (Options.Regularization * Rate) - route.Price;

    /// <summary>
    /// One lower-level step <c>x_r += s G_r / (|U_r''| + eps + sum h_l)</c>, the Jacobi (diagonal Newton)
    /// scaling of the spec: plain steps need thousands of iterations on this badly conditioned problem.
    /// Guards: an increase is capped at the route's headroom share (so every link stays below P) and a
    /// decrease at half the rate (so x stays positive).
    /// </summary>
    public void PrimalStep(in DbinumRouteSignal route)
    {
        // One power serves U' = x^-a and |U''| = a x^-a / x; this step is the solver's inner loop.
        var marginal = AlphaFairUtility.Derivative(Rate, Alpha);
        var gradient = marginal - (Options.Regularization * Rate) - route.Price;
        var diagonal = (Alpha * marginal / Rate) + Options.Regularization + route.Curvature;
        var step = Options.PrimalStepScale * gradient / diagonal;
        step = step > 0 ? Math.Min(step, route.HeadroomShare) : Math.Max(step, -0.5 * Rate);
        Rate += step;
    }

    /// <summary>
    /// The auxiliary step (eq. 6, with the printed factor <c>1 - eps + ...</c> read as <c>1 + eta(... - eps)</c>):
    /// <c>v_r += eta (U_r''(x_r) v_r - eps v_r - sum_{l in L_r} h_l s_l - U~_r'(x_r)) / (|U_r''| + eps + sum h_l)</c>.
    /// Its fixed point is <c>v = H^-1 g</c> with H the lower level's Hessian (eq. 5). The route signal must
    /// come from an exchange in which every user reported its v before any user moved it.
    /// </summary>
    public void AuxiliaryStep(in DbinumRouteSignal route, double utilityGradient)
    {
        if (!double.IsFinite(utilityGradient))
        {
            throw new ArgumentOutOfRangeException(nameof(utilityGradient), utilityGradient, "The utility feedback must be finite.");
        }

        var residual = (AlphaFairUtility.SecondDerivative(Rate, Alpha) * Auxiliary)
                       - (Options.Regularization * Auxiliary)
                       - route.CurvatureTimesAuxiliary
                       - utilityGradient;
        Auxiliary += Options.AuxiliaryStep * residual / Diagonal(route);
    }

    /// <summary>
    /// The projected outer step (eq. 7) <c>alpha_r = Proj_A[alpha_r - beta dU_r'/da(x_r) v_r]</c>, for the
    /// alpha-fair surrogate <c>alpha_r += beta ln(x_r) x_r^-alpha_r v_r</c>; uses the v of the last auxiliary step.
    /// </summary>
    public void AlphaStep()
    {
        var next = Alpha - (Options.AlphaStep * AlphaFairUtility.DerivativeByAlpha(Rate, Alpha) * Auxiliary);
        Alpha = Math.Clamp(next, Options.AlphaMin, Options.AlphaMax);
    }

    /// <summary>
    /// Steps 3-4 of a round for this user: <see cref="AuxiliaryStep"/> with the utility feedback, then
    /// <see cref="AlphaStep"/> with the new v. Both read only this user's state and its route's signal, so
    /// users may take it in any order (the batch solver and the user grains do).
    /// </summary>
    public void Learn(in DbinumRouteSignal route, double utilityGradient)
    {
        AuxiliaryStep(route, utilityGradient);
        AlphaStep();
    }

    // |U_r''| + eps + sum h_l: the magnitude of the lower level's Hessian diagonal entry for this user.
    private double Diagonal(in DbinumRouteSignal route)
        => -AlphaFairUtility.SecondDerivative(Rate, Alpha) + Options.Regularization + route.Curvature;
}
