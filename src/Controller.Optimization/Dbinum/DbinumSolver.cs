using Controller.Radio.Randomness;

namespace Controller.Optimization.Dbinum;

/// <summary>A link of a DBiNUM network.</summary>
/// <param name="Capacity">P (c_l).</param>
/// <param name="BarrierWeight">tau of the link's log barrier.</param>
public sealed record DbinumLink(double Capacity, double BarrierWeight);

/// <summary>A user (flow) of a DBiNUM network.</summary>
/// <param name="Feedback">How the user reports its true utility.</param>
/// <param name="Route">Indices of the links it uses: its row of the routing matrix, as a list.</param>
/// <param name="InitialAlpha">alpha_0 (projected onto A).</param>
/// <param name="InitialRate">x_0 &gt; 0; the starting rates must keep every link below capacity.</param>
public sealed record DbinumUser(UtilityFeedback Feedback, IReadOnlyList<int> Route, double InitialAlpha, double InitialRate);

/// <summary>
/// Runs DBiNUM rounds (paper 000 Algorithm 1) over a whole network in one place: the batch form of
/// <see cref="DbinumUserState"/> and <see cref="DbinumLinkState"/>, with exactly the exchanges a
/// distributed run would make. A round is T lower-level steps (warm-started), one exchange of (x, v) with
/// the links, one feedback query per user (two value queries under value feedback), the auxiliary step and
/// the alpha step. Deterministic given the seed (only value feedback draws random numbers, one stream per
/// user); no allocation per round.
/// </summary>
public sealed class DbinumSolver
{
    private readonly DbinumLinkState[] _links;
    private readonly DbinumUserState[] _users;
    private readonly int[][] _routes;
    private readonly UtilityFeedback[] _feedback;
    private readonly SeededRandom[] _random;
    private readonly DbinumLinkSignal[] _linkSignals;
    private readonly DbinumRouteSignal[] _signals;

    /// <summary>Sets up users and links; throws when a route names an unknown link or the start overloads a link.</summary>
    public DbinumSolver(IReadOnlyList<DbinumLink> links, IReadOnlyList<DbinumUser> users, DbinumOptions options, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _links = links.Select(l => new DbinumLinkState(l.Capacity, l.BarrierWeight)).ToArray();
        _users = new DbinumUserState[users.Count];
        _routes = new int[users.Count][];
        _feedback = new UtilityFeedback[users.Count];
        _random = new SeededRandom[users.Count];
        _linkSignals = new DbinumLinkSignal[_links.Length];
        _signals = new DbinumRouteSignal[users.Count];
        for (var r = 0; r < users.Count; r++)
        {
            var user = users[r] ?? throw new ArgumentException($"User {r} is null.", nameof(users));
            ArgumentNullException.ThrowIfNull(user.Feedback);
            ArgumentNullException.ThrowIfNull(user.Route);
            _routes[r] = [.. user.Route];
            foreach (var l in _routes[r])
            {
                if (l < 0 || l >= _links.Length)
                {
                    throw new ArgumentException($"User {r} routes over link {l}, but there are {_links.Length} links.", nameof(users));
                }
            }

            _users[r] = new DbinumUserState(options, user.InitialAlpha, user.InitialRate);
            _feedback[r] = user.Feedback;
            _random[r] = DirectionStream(seed, r);
        }

        Exchange();
        foreach (var link in _links)
        {
            if (!(link.Load < link.Capacity))
            {
                throw new ArgumentException($"The starting rates load a link to {link.Load}, at or above its capacity {link.Capacity}.", nameof(users));
            }
        }
    }

    /// <summary>
    /// The stream of user <paramref name="user"/>'s two-point directions u for run <paramref name="seed"/>
    /// (value feedback). The directions are the algorithm's own randomized decisions, one stream per user,
    /// so a user grain holding stream r draws what this solver draws for user r.
    /// </summary>
    public static SeededRandom DirectionStream(ulong seed, int user)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(user);
        return SeededRandom.ForStream(seed, RandomStreams.Policy, (ulong)user);
    }

    /// <summary>Step sizes and bounds shared by every user.</summary>
    public DbinumOptions Options { get; }

    /// <summary>The users' states, in the order given.</summary>
    public IReadOnlyList<DbinumUserState> Users => _users;

    /// <summary>The links' states after the last exchange.</summary>
    public IReadOnlyList<DbinumLinkState> Links => _links;

    /// <summary>Rounds run so far.</summary>
    public int Round { get; private set; }

    /// <summary>True when every user gives utility values, so that <see cref="TrueUtility"/> is known.</summary>
    public bool KnowsTrueUtility => _feedback.All(f => f.GivesValue);

    /// <summary>Psi, the sum of the users' true utilities at the current rates; NaN when a user gives no values.</summary>
    public double TrueUtility()
    {
        var sum = 0.0;
        for (var r = 0; r < _users.Length; r++)
        {
            if (!_feedback[r].GivesValue)
            {
                return double.NaN;
            }

            sum += _feedback[r].Value(_users[r].Rate);
        }

        return sum;
    }

    /// <summary>Runs one round and returns Psi after it (NaN when unknown).</summary>
    public double RunRound()
    {
        // Step 1: lower level, T warm-started primal steps; every user moves on the same link state.
        for (var t = 0; t < Options.PrimalStepsPerRound; t++)
        {
            Exchange();
            ComputeRouteSignals();
            for (var r = 0; r < _users.Length; r++)
            {
                _users[r].PrimalStep(_signals[r]);
            }
        }

        // Step 2: users report (x, v); links answer price, h_l and h_l s_l from the v of the previous round.
        Exchange();
        ComputeRouteSignals();

        // Steps 3-4: utility feedback, auxiliary step (eq. 6), then alpha step (eq. 7) with the new v; each
        // user's steps read only its own state and the exchange above, so one user after the other is exact.
        for (var r = 0; r < _users.Length; r++)
        {
            var gradient = _feedback[r].EstimateGradient(_users[r].Rate, _random[r]);
            _users[r].Learn(_signals[r], gradient);
        }

        Round++;
        return TrueUtility();
    }

    /// <summary>Runs <c>utilityPerRound.Length</c> rounds, writing Psi after each (for progress and plots).</summary>
    public void Run(Span<double> utilityPerRound, CancellationToken cancellationToken = default)
    {
        for (var k = 0; k < utilityPerRound.Length; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            utilityPerRound[k] = RunRound();
        }
    }

    private void Exchange()
    {
        foreach (var link in _links)
        {
            link.Clear();
        }

        for (var r = 0; r < _users.Length; r++)
        {
            foreach (var l in _routes[r])
            {
                _links[l].Add(_users[r].Rate, _users[r].Auxiliary);
            }
        }
    }

    private void ComputeRouteSignals()
    {
        for (var l = 0; l < _links.Length; l++)
        {
            _linkSignals[l] = _links[l].Signal();
        }

        for (var r = 0; r < _users.Length; r++)
        {
            var route = DbinumRouteSignal.Empty;
            foreach (var l in _routes[r])
            {
                route = route.Add(_linkSignals[l]);
            }

            _signals[r] = route;
        }
    }
}
