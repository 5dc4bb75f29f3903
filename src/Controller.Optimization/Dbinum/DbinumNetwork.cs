namespace Controller.Optimization.Dbinum;

/// <summary>A flow (user) of a DBiNUM network: its route and its true utility.</summary>
/// <param name="Name">What the flow is, for reports ("Seattle -> New York").</param>
/// <param name="Route">Indices of the links it crosses, in path order.</param>
/// <param name="Utility">Its true utility U~, unknown to the network.</param>
public sealed record DbinumFlow(string Name, IReadOnlyList<int> Route, FlowUtility Utility);

/// <summary>
/// Links with capacities and flows with routes and true utilities: one instance of a DBiNUM scenario
/// (paper 000's model of Sec. 2, with routing matrix <c>R[l, r] = 1</c> when flow r crosses link l).
/// </summary>
public sealed class DbinumNetwork
{
    /// <summary>Checks that every route is non-empty, names known links and crosses each link at most once.</summary>
    public DbinumNetwork(string scenario, IReadOnlyList<string> linkNames, IReadOnlyList<DbinumLink> links, IReadOnlyList<DbinumFlow> flows)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scenario);
        ArgumentNullException.ThrowIfNull(linkNames);
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(flows);
        if (linkNames.Count != links.Count)
        {
            throw new ArgumentException($"{linkNames.Count} link names for {links.Count} links.", nameof(linkNames));
        }

        for (var r = 0; r < flows.Count; r++)
        {
            var route = flows[r].Route;
            if (route.Count == 0 || route.Any(l => l < 0 || l >= links.Count) || route.Distinct().Count() != route.Count)
            {
                throw new ArgumentException($"Flow {r} ({flows[r].Name}) has route [{string.Join(", ", route)}]; a route crosses one or more of the {links.Count} links, each at most once.", nameof(flows));
            }
        }

        Scenario = scenario;
        LinkNames = [.. linkNames];
        Links = [.. links];
        Flows = [.. flows];
    }

    /// <summary>The scenario the network comes from.</summary>
    public string Scenario { get; }

    /// <summary>Link names, index = link index.</summary>
    public IReadOnlyList<string> LinkNames { get; }

    /// <summary>Capacity P and barrier weight tau of each link.</summary>
    public IReadOnlyList<DbinumLink> Links { get; }

    /// <summary>The flows, index = user index.</summary>
    public IReadOnlyList<DbinumFlow> Flows { get; }

    /// <summary><c>R[l, r]</c>: 1 when flow r crosses link l, else 0.</summary>
    public int[,] RoutingMatrix()
    {
        var matrix = new int[Links.Count, Flows.Count];
        for (var r = 0; r < Flows.Count; r++)
        {
            foreach (var l in Flows[r].Route)
            {
                matrix[l, r] = 1;
            }
        }

        return matrix;
    }

    /// <summary>
    /// A feasible start: flow r gets <c>min over its links of P_l / (2 n_l)</c> (n_l flows on link l), so every
    /// link is at most half full. On one link with n users this is P / (2n), the single-link reproduction's start.
    /// </summary>
    public double[] InitialRates()
    {
        var users = new int[Links.Count];
        foreach (var flow in Flows)
        {
            foreach (var l in flow.Route)
            {
                users[l]++;
            }
        }

        return [.. Flows.Select(f => f.Route.Min(l => Links[l].Capacity / (2.0 * users[l])))];
    }

    /// <summary>The users of a DBiNUM run on this network: every flow starts at <paramref name="initialAlpha"/> and <see cref="InitialRates"/>.</summary>
    /// <param name="initialAlpha">alpha_0 of every surrogate.</param>
    /// <param name="valueSmoothing">Null: gradient feedback; otherwise value-only feedback with this two-point radius.</param>
    public DbinumUser[] Users(double initialAlpha, double? valueSmoothing = null)
    {
        var rates = InitialRates();
        return
        [
            .. Flows.Select((f, r) => new DbinumUser(
                valueSmoothing is { } smoothing ? f.Utility.ValueFeedback(smoothing) : f.Utility.GradientFeedback(),
                f.Route,
                initialAlpha,
                rates[r])),
        ];
    }

    /// <summary>Psi, the sum of the flows' true utilities at <paramref name="rates"/>.</summary>
    public double TrueUtility(IReadOnlyList<double> rates)
    {
        ArgumentNullException.ThrowIfNull(rates);
        if (rates.Count != Flows.Count)
        {
            throw new ArgumentException($"{rates.Count} rates for {Flows.Count} flows.", nameof(rates));
        }

        var sum = 0.0;
        for (var r = 0; r < Flows.Count; r++)
        {
            sum += Flows[r].Utility.Value(rates[r]);
        }

        return sum;
    }

    /// <summary>
    /// An upper bound on Psi over the capacity region when every true utility rises with the rate: each flow
    /// alone at the smallest capacity on its route, <c>sum_r U~_r(min_{l in L_r} P_l)</c>.
    /// </summary>
    public double UtilityBound()
        => Flows.Sum(f => f.Utility.Value(f.Route.Min(l => Links[l].Capacity)));
}
