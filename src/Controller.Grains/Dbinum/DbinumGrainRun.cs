using Controller.Optimization.Dbinum;

namespace Controller.Grains;

/// <summary>A link of a DBiNUM run through grains: the cell whose link grain holds it, and its parameters.</summary>
/// <param name="CellId">Key of the link grain (a cell id of the control plane's topology).</param>
/// <param name="Link">Capacity P and barrier weight tau.</param>
public sealed record DbinumGrainLink(string CellId, DbinumLink Link);

/// <summary>A user of a DBiNUM run through grains.</summary>
/// <param name="UserId">Key of the user grain (a user id of the control plane's topology).</param>
/// <param name="User">Its feedback (answered by this driver, standing in for the user's device), route (indices into the links), alpha_0 and x_0.</param>
public sealed record DbinumGrainUser(string UserId, DbinumUser User);

/// <summary>
/// Runs DBiNUM rounds (paper 000 Algorithm 1) with every update inside the grains: user grains hold
/// alpha, x, v and take their own steps, link grains hold the price state. This driver only carries
/// messages — reports to links, link signals to users, probes out to the users' utility feedback and the
/// answers back — in exactly the order of <see cref="DbinumSolver"/>, so both produce the same numbers bit
/// for bit for the same network, options and seed. Within a step the users' calls go out together (each
/// reads only its own state and the exchange), as do the links'.
/// </summary>
public sealed class DbinumGrainRun
{
    private readonly IUserGrain[] _users;
    private readonly ILinkGrain[] _links;
    private readonly int[][] _routes;
    private readonly int[][] _linkUsers;
    private readonly UtilityFeedback[] _feedback;
    private readonly DbinumUserView[] _views;
    private readonly DbinumLinkSignal[] _linkSignals;
    private readonly ValueTask<DbinumUserView>[] _userCalls;
    private readonly ValueTask<DbinumLinkSignal>[] _linkCalls;
    private readonly DbinumProbe[] _probes;
    private readonly ValueTask<DbinumProbe>[] _probeCalls;

    private DbinumGrainRun(IGrainFactory grains, IReadOnlyList<DbinumGrainLink> links, IReadOnlyList<DbinumGrainUser> users, DbinumOptions options)
    {
        Options = options;
        _links = [.. links.Select(l => grains.GetGrain<ILinkGrain>(l.CellId))];
        _users = [.. users.Select(u => grains.GetGrain<IUserGrain>(u.UserId))];
        _routes = [.. users.Select(u => u.User.Route.ToArray())];
        _feedback = [.. users.Select(u => u.User.Feedback)];
        // A link's reports go in user order, the order DbinumSolver adds them in.
        _linkUsers = [.. Enumerable.Range(0, links.Count).Select(l => Enumerable.Range(0, users.Count).Where(r => _routes[r].Contains(l)).ToArray())];
        _views = new DbinumUserView[users.Count];
        _linkSignals = new DbinumLinkSignal[links.Count];
        _userCalls = new ValueTask<DbinumUserView>[users.Count];
        _linkCalls = new ValueTask<DbinumLinkSignal>[links.Count];
        _probes = new DbinumProbe[users.Count];
        _probeCalls = new ValueTask<DbinumProbe>[users.Count];
    }

    /// <summary>Step sizes and bounds every user runs with.</summary>
    public DbinumOptions Options { get; }

    /// <summary>Rounds completed (across restarts).</summary>
    public int Round { get; private set; }

    /// <summary>The users' states as their grains last returned them, in the order given.</summary>
    public IReadOnlyList<DbinumUserView> Users => _views;

    /// <summary>The links' signals from the last exchange.</summary>
    public IReadOnlyList<DbinumLinkSignal> LinkSignals => _linkSignals;

    /// <summary>True when every user gives utility values, so that <see cref="TrueUtility"/> is known.</summary>
    public bool KnowsTrueUtility => _feedback.All(f => f.GivesValue);

    /// <summary>
    /// Joins the links and users to a new run (alpha_0, x_0, v = 0; user r draws stream r of
    /// <paramref name="seed"/>, as in <see cref="DbinumSolver"/>) and makes the first exchange. Throws
    /// <see cref="ArgumentException"/> for a route to an unknown link and <see cref="InvalidOperationException"/>
    /// when the starting rates reach a link's capacity.
    /// </summary>
    public static async Task<DbinumGrainRun> StartAsync(
        IGrainFactory grains, IReadOnlyList<DbinumGrainLink> links, IReadOnlyList<DbinumGrainUser> users, DbinumOptions options, ulong seed, CancellationToken cancellationToken)
    {
        Validate(grains, links, users);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var run = new DbinumGrainRun(grains, links, users, options);
        await Task.WhenAll(links.Select((l, i) => run._links[i].JoinDbinumAsync(new DbinumLinkSetup(l.Link.Capacity, l.Link.BarrierWeight), cancellationToken))).ConfigureAwait(false);
        var joined = await Task.WhenAll(users.Select((u, r) => run._users[r].JoinDbinumAsync(
            new DbinumUserSetup(
                u.User.InitialAlpha,
                u.User.InitialRate,
                [.. u.User.Route.Select(l => links[l].CellId)],
                u.User.Feedback.GivesGradient ? DbinumFeedbackKind.Gradient : DbinumFeedbackKind.Value,
                u.User.Feedback.Smoothing,
                seed,
                r,
                options),
            cancellationToken))).ConfigureAwait(false);
        joined.CopyTo(run._views, 0);
        // As DbinumSolver's constructor: one exchange, which also checks that the start is feasible.
        await run.ExchangeAsync(cancellationToken).ConfigureAwait(false);
        return run;
    }

    /// <summary>
    /// Continues a run whose grains already hold its state (after a restart of the runtime, say). Throws
    /// <see cref="InvalidOperationException"/> when a grain has not joined, holds another network, or the
    /// users stopped in different rounds or inside a round.
    /// </summary>
    public static async Task<DbinumGrainRun> ResumeAsync(
        IGrainFactory grains, IReadOnlyList<DbinumGrainLink> links, IReadOnlyList<DbinumGrainUser> users, CancellationToken cancellationToken)
    {
        Validate(grains, links, users);
        var states = await Task.WhenAll(users.Select(u => grains.GetGrain<IUserGrain>(u.UserId).GetStateAsync(cancellationToken))).ConfigureAwait(false);
        var linkStates = await Task.WhenAll(links.Select(l => grains.GetGrain<ILinkGrain>(l.CellId).GetStateAsync(cancellationToken))).ConfigureAwait(false);
        for (var l = 0; l < links.Count; l++)
        {
            var stored = linkStates[l].Dbinum ?? throw new InvalidOperationException($"Link '{links[l].CellId}' has not joined a DBiNUM run.");
            if (stored.Capacity != links[l].Link.Capacity || stored.BarrierWeight != links[l].Link.BarrierWeight)
            {
                throw new InvalidOperationException($"Link '{links[l].CellId}' holds a run with P = {stored.Capacity}, tau = {stored.BarrierWeight}, not P = {links[l].Link.Capacity}, tau = {links[l].Link.BarrierWeight}.");
            }
        }

        var views = new DbinumUserView[users.Count];
        for (var r = 0; r < users.Count; r++)
        {
            var view = states[r].Dbinum ?? throw new InvalidOperationException($"User '{users[r].UserId}' has not joined a DBiNUM run.");
            var route = users[r].User.Route.Select(l => links[l].CellId);
            if (!view.Route.SequenceEqual(route, StringComparer.Ordinal))
            {
                throw new InvalidOperationException($"User '{users[r].UserId}' holds a run over {string.Join(", ", view.Route)}, not {string.Join(", ", route)}.");
            }

            // Only whole rounds resume: a restart inside one would repeat or skip some of its steps.
            var first = r == 0 ? view : views[0];
            if (view.Iteration != first.Iteration
                || view.Options != first.Options
                || view.PendingDirection is not null
                || view.PrimalSteps != (long)view.Iteration * view.Options.PrimalStepsPerRound)
            {
                throw new InvalidOperationException($"User '{users[r].UserId}' stopped inside a round, in another round than the others or with other options (round {view.Iteration}, {view.PrimalSteps} lower-level steps); start the run again.");
            }

            views[r] = view;
        }

        var run = new DbinumGrainRun(grains, links, users, views.Length > 0 ? views[0].Options : new DbinumOptions()) { Round = views.Length > 0 ? views[0].Iteration : 0 };
        views.CopyTo(run._views, 0);
        await run.ExchangeAsync(cancellationToken).ConfigureAwait(false);
        return run;
    }

    /// <summary>Psi, the sum of the users' true utilities at their current rates; NaN when a user gives no values.</summary>
    public double TrueUtility()
    {
        var sum = 0.0;
        for (var r = 0; r < _views.Length; r++)
        {
            if (!_feedback[r].GivesValue)
            {
                return double.NaN;
            }

            sum += _feedback[r].Value(_views[r].Rate);
        }

        return sum;
    }

    /// <summary>
    /// Runs one round through the grains and returns Psi after it (NaN when unknown), as <see cref="DbinumSolver.RunRound"/>.
    /// A grain's error ends the round part-way (the grain that threw is unchanged, others may have moved): start the run again.
    /// </summary>
    public async Task<double> RunRoundAsync(CancellationToken cancellationToken)
    {
        // Step 1: T lower-level steps; every user moves on the signals of the same exchange.
        for (var t = 0; t < Options.PrimalStepsPerRound; t++)
        {
            await ExchangeAsync(cancellationToken).ConfigureAwait(false);
            await GrainCalls.CallAllAsync(_userCalls, r => _users[r].DbinumPrimalStepAsync(RouteSignals(r), cancellationToken), _views).ConfigureAwait(false);
        }

        // Step 2: the exchange whose h_l s_l the auxiliary step uses.
        await ExchangeAsync(cancellationToken).ConfigureAwait(false);

        // Steps 3-4: each user's feedback at its probe, then its auxiliary and alpha steps.
        await GrainCalls.CallAllAsync(_probeCalls, r => _users[r].DbinumProbeAsync(cancellationToken), _probes).ConfigureAwait(false);
        await GrainCalls.CallAllAsync(_userCalls, r => _users[r].DbinumLearnAsync(RouteSignals(r), Answer(_feedback[r], _probes[r]), cancellationToken), _views).ConfigureAwait(false);
        Round++;
        return TrueUtility();
    }

    // The user's device answering a probe: the gradient at x, or the values at x and x + delta u.
    private static DbinumFeedback Answer(UtilityFeedback feedback, DbinumProbe probe)
        => probe.ProbeRate is { } probeRate
            ? DbinumFeedback.FromValues(feedback.Value(probe.Rate), feedback.Value(probeRate))
            : DbinumFeedback.FromGradient(feedback.Gradient(probe.Rate));

    private static void Validate(IGrainFactory grains, IReadOnlyList<DbinumGrainLink> links, IReadOnlyList<DbinumGrainUser> users)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(users);
        for (var r = 0; r < users.Count; r++)
        {
            var user = users[r] ?? throw new ArgumentException($"User {r} is null.", nameof(users));
            ArgumentNullException.ThrowIfNull(user.User);
            ArgumentNullException.ThrowIfNull(user.User.Feedback);
            ArgumentNullException.ThrowIfNull(user.User.Route);
            foreach (var l in user.User.Route)
            {
                if (l < 0 || l >= links.Count)
                {
                    throw new ArgumentException($"User '{user.UserId}' routes over link {l}, but there are {links.Count} links.", nameof(users));
                }
            }
        }
    }

    // Users report (x, v) to their links; each link answers with its signal.
    private Task ExchangeAsync(CancellationToken cancellationToken)
        => GrainCalls.CallAllAsync(_linkCalls, l => _links[l].DbinumExchangeAsync(Reports(l), cancellationToken), _linkSignals);

    private DbinumUserReport[] Reports(int link)
    {
        var users = _linkUsers[link];
        var reports = new DbinumUserReport[users.Length];
        for (var i = 0; i < users.Length; i++)
        {
            var view = _views[users[i]];
            reports[i] = new DbinumUserReport(view.Rate, view.Auxiliary);
        }

        return reports;
    }

    private DbinumLinkSignal[] RouteSignals(int user)
    {
        var route = _routes[user];
        var signals = new DbinumLinkSignal[route.Length];
        for (var i = 0; i < route.Length; i++)
        {
            signals[i] = _linkSignals[route[i]];
        }

        return signals;
    }
}
