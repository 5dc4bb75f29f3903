using System.Globalization;
using Controller.Optimization.Dbinum;
using Controller.Radio.Randomness;

namespace Controller.Grains;

/// <summary>
/// A user's part in a DBiNUM run (paper 000 Algorithm 1): it holds alpha, x and v (<see cref="DbinumUserState"/>)
/// and takes its own steps; a driver (<see cref="DbinumGrainRun"/>) carries the link signals to it and its
/// utility feedback, which comes from outside the controller (the user's device), in.
/// </summary>
public partial interface IUserGrain
{
    /// <summary>
    /// Starts (or restarts) the user's DBiNUM run at alpha_0, x_0 and v = 0. Throws <see cref="ArgumentException"/>
    /// for bad options, a rate that is not positive, an empty route or a bad smoothing radius.
    /// </summary>
    Task<DbinumUserView> JoinDbinumAsync(DbinumUserSetup setup, CancellationToken cancellationToken = default);

    /// <summary>
    /// One lower-level step (step 1), <c>x_r += s G_r / (|U_r''| + eps + sum h_l)</c>, with the signals of the
    /// route's links from one exchange, in route order. Throws <see cref="ArgumentException"/> for a signal
    /// that no link could send (a price or curvature that is not positive and finite, say); the state is then unchanged.
    /// </summary>
    ValueTask<DbinumUserView> DbinumPrimalStepAsync(IReadOnlyList<DbinumLinkSignal> route, CancellationToken cancellationToken = default);

    /// <summary>
    /// Where the user's utility must be queried this round. Value feedback draws the two-point direction u
    /// here; asking again before <see cref="DbinumLearnAsync"/> returns the same probe.
    /// </summary>
    ValueTask<DbinumProbe> DbinumProbeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Steps 3-4 of a round: the auxiliary step (eq. 6) with the feedback, then the alpha step (eq. 7), with
    /// the route's signals from the exchange after the lower-level steps. Throws <see cref="ArgumentException"/>
    /// for feedback that is not finite or not of the user's kind, or bad signals, and <see cref="InvalidOperationException"/>
    /// for value feedback without a pending probe; the state is then unchanged.
    /// </summary>
    ValueTask<DbinumUserView> DbinumLearnAsync(IReadOnlyList<DbinumLinkSignal> route, DbinumFeedback feedback, CancellationToken cancellationToken = default);
}

/// <summary>The DBiNUM part of a user grain: steps on a <see cref="DbinumUserState"/> rebuilt from the stored view after activation.</summary>
internal sealed partial class UserGrain
{
    private DbinumUserState? _dbinum;
    private SeededRandom? _dbinumDirections;

    public async Task<DbinumUserView> JoinDbinumAsync(DbinumUserSetup setup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(setup.Options);
        ArgumentNullException.ThrowIfNull(setup.Route);
        if (setup.Route.Count == 0 || setup.Route.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException($"User '{Key}' needs a route of one or more cell ids.", nameof(setup));
        }

        if (!Enum.IsDefined(setup.Feedback))
        {
            throw new ArgumentOutOfRangeException(nameof(setup), setup.Feedback, "Unknown feedback kind.");
        }

        if (setup.Feedback == DbinumFeedbackKind.Value && (!(setup.Smoothing > 0) || double.IsInfinity(setup.Smoothing)))
        {
            throw new ArgumentOutOfRangeException(nameof(setup), setup.Smoothing, "The two-point smoothing radius must be positive and finite.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(setup.Stream);
        var user = new DbinumUserState(setup.Options, setup.InitialAlpha, setup.InitialRate);
        var view = new DbinumUserView(user.Alpha, user.Rate, user.Auxiliary, 0)
        {
            Options = setup.Options,
            Route = [.. setup.Route],
            Feedback = setup.Feedback,
            Smoothing = setup.Feedback == DbinumFeedbackKind.Value ? setup.Smoothing : 0,
            Seed = setup.Seed,
            Stream = setup.Stream,
        };
        _dbinum = user;
        _dbinumDirections = null;
        state.State.Dbinum = view;
        await _checkpoint.WriteNowAsync(cancellationToken);
        return view;
    }

    public ValueTask<DbinumUserView> DbinumPrimalStepAsync(IReadOnlyList<DbinumLinkSignal> route, CancellationToken cancellationToken)
    {
        var (view, user) = JoinedDbinum();
        var signal = RouteSignal(view, route);
        if (view.PendingDirection is not null)
        {
            // x must stay where the probe was taken until its feedback has come.
            throw new InvalidOperationException($"User '{Key}' has a pending probe; call DbinumLearnAsync before the next primal step.");
        }

        user.PrimalStep(signal);
        return ValueTask.FromResult(Changed(view with { Rate = user.Rate, PrimalSteps = view.PrimalSteps + 1 }));
    }

    public ValueTask<DbinumProbe> DbinumProbeAsync(CancellationToken cancellationToken)
    {
        var (view, user) = JoinedDbinum();
        if (view.Feedback == DbinumFeedbackKind.Gradient)
        {
            return ValueTask.FromResult(new DbinumProbe(user.Rate, null));
        }

        if (view.PendingDirection is { } pending)
        {
            return ValueTask.FromResult(new DbinumProbe(user.Rate, UtilityFeedback.ProbeRate(user.Rate, pending, view.Smoothing)));
        }

        var direction = Directions(view).NextGaussian();
        Changed(view with { PendingDirection = direction, Directions = view.Directions + 1 });
        return ValueTask.FromResult(new DbinumProbe(user.Rate, UtilityFeedback.ProbeRate(user.Rate, direction, view.Smoothing)));
    }

    public ValueTask<DbinumUserView> DbinumLearnAsync(IReadOnlyList<DbinumLinkSignal> route, DbinumFeedback feedback, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        var (view, user) = JoinedDbinum();
        var signal = RouteSignal(view, route);
        var gradient = UtilityGradient(view, feedback);
        user.Learn(signal, gradient);
        return ValueTask.FromResult(Changed(view with { Alpha = user.Alpha, Auxiliary = user.Auxiliary, Iteration = view.Iteration + 1, PendingDirection = null }));
    }

    // The grain's checkpoint timer writes the state (a turn of its own); steps only mark it changed.
    private DbinumUserView Changed(DbinumUserView view)
    {
        state.State.Dbinum = view;
        _checkpoint.MarkDirty();
        return view;
    }

    // U~'(x) from gradient feedback, or paper 000 eq. 18 from the two values at the pending probe.
    private double UtilityGradient(DbinumUserView view, DbinumFeedback feedback)
    {
        if (view.Feedback == DbinumFeedbackKind.Gradient)
        {
            var gradient = feedback.Gradient ?? throw new ArgumentException($"User '{Key}' gives gradient feedback; the feedback carries no gradient.", nameof(feedback));
            RequireFinite(gradient, "gradient", nameof(feedback));
            return gradient;
        }

        if (feedback.Value is not { } value || feedback.ProbeValue is not { } probeValue)
        {
            throw new ArgumentException($"User '{Key}' gives value feedback; the feedback needs the values at x and at the probe.", nameof(feedback));
        }

        RequireFinite(value, "value at x", nameof(feedback));
        RequireFinite(probeValue, "value at the probe", nameof(feedback));
        var direction = view.PendingDirection
            ?? throw new InvalidOperationException($"User '{Key}' has no pending probe; call DbinumProbeAsync and answer its probe.");
        var estimate = UtilityFeedback.TwoPointEstimate(probeValue, value, direction, view.Smoothing);
        RequireFinite(estimate, "two-point estimate", nameof(feedback));
        return estimate;
    }

    private void RequireFinite(double value, string what, string parameter)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(parameter, value, string.Create(CultureInfo.InvariantCulture, $"User '{Key}' got utility feedback ({what}) {value:R}; utility feedback must be finite."));
        }
    }

    private (DbinumUserView View, DbinumUserState User) JoinedDbinum()
    {
        var view = state.State.Dbinum ?? throw new InvalidOperationException($"User '{Key}' has not joined a DBiNUM run; call JoinDbinumAsync first.");
        // After a reactivation the stored view is the state; the math object is rebuilt from it once.
        _dbinum ??= new DbinumUserState(view.Options, view.Alpha, view.Rate, view.Auxiliary);
        return (view, _dbinum);
    }

    private SeededRandom Directions(DbinumUserView view)
    {
        if (_dbinumDirections is null)
        {
            // The generator's state is not stored: replaying the draws made so far puts it where it was.
            var random = DbinumSolver.DirectionStream(view.Seed, view.Stream);
            for (var i = 0L; i < view.Directions; i++)
            {
                random.NextGaussian();
            }

            _dbinumDirections = random;
        }

        return _dbinumDirections;
    }

    // Sum of the route's link signals in route order, as DbinumSolver sums them; checks what a link could never send.
    private DbinumRouteSignal RouteSignal(DbinumUserView view, IReadOnlyList<DbinumLinkSignal> route)
    {
        ArgumentNullException.ThrowIfNull(route);
        if (route.Count != view.Route.Count)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"User '{Key}' routes over {view.Route.Count} links ({string.Join(", ", view.Route)}) but got {route.Count} link signals."), nameof(route));
        }

        var sum = DbinumRouteSignal.Empty;
        for (var i = 0; i < route.Count; i++)
        {
            var link = route[i];
            CheckSignal(view.Route[i], "price", link.Price, positive: true, nameof(route));
            CheckSignal(view.Route[i], "curvature", link.Curvature, positive: true, nameof(route));
            CheckSignal(view.Route[i], "h s", link.CurvatureTimesAuxiliary, positive: false, nameof(route));
            if (!(link.HeadroomShare > 0))
            {
                throw new ArgumentOutOfRangeException(nameof(route), link.HeadroomShare, string.Create(CultureInfo.InvariantCulture, $"Link '{view.Route[i]}' sent user '{Key}' headroom share {link.HeadroomShare:R}; a share is positive."));
            }

            sum = sum.Add(link);
        }

        return sum;
    }

    private void CheckSignal(string link, string what, double value, bool positive, string parameter)
    {
        if (!double.IsFinite(value) || (positive && !(value > 0)))
        {
            throw new ArgumentOutOfRangeException(parameter, value, string.Create(CultureInfo.InvariantCulture, $"Link '{link}' sent user '{Key}' {what} {value:R}; a link's {what} is {(positive ? "positive and finite" : "finite")} (tau / (P - y) with y < P)."));
        }
    }
}
