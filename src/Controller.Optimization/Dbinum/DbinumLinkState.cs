namespace Controller.Optimization.Dbinum;

/// <summary>
/// One link of DBiNUM: capacity P, barrier weight tau and what its users reported this exchange (load
/// <c>y = sum x</c>, <c>s = sum v</c>). It answers with price <c>B' = tau / (P - y)</c>, curvature
/// <c>h = B'' = tau / (P - y)^2</c>, <c>h s</c> and a headroom share, so users never talk to each other
/// (the spec's equivalent of the paper's neighbour broadcast, step 4 of Algorithm 1).
/// </summary>
public sealed class DbinumLinkState
{
    /// <summary>Creates an empty link.</summary>
    public DbinumLinkState(double capacity, double barrierWeight)
    {
        if (!(capacity > 0) || double.IsInfinity(capacity))
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "A link's capacity must be positive and finite.");
        }

        if (!(barrierWeight > 0) || double.IsInfinity(barrierWeight))
        {
            throw new ArgumentOutOfRangeException(nameof(barrierWeight), barrierWeight, "The barrier weight tau must be positive and finite.");
        }

        Capacity = capacity;
        BarrierWeight = barrierWeight;
    }

    /// <summary>
    /// A link as it was after an exchange (a grain reactivating from its stored state): the same load,
    /// auxiliary sum and user count, hence the same price and curvature.
    /// </summary>
    public static DbinumLinkState Restore(double capacity, double barrierWeight, double load, double auxiliarySum, int users)
    {
        if (!double.IsFinite(load) || load < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(load), load, "A link's load must be finite and not negative.");
        }

        if (!double.IsFinite(auxiliarySum))
        {
            throw new ArgumentOutOfRangeException(nameof(auxiliarySum), auxiliarySum, "The sum of the users' v must be finite.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(users);
        return new DbinumLinkState(capacity, barrierWeight) { Load = load, AuxiliarySum = auxiliarySum, Users = users };
    }

    /// <summary>P, the capacity c_l.</summary>
    public double Capacity { get; }

    /// <summary>tau of the log barrier <c>B(y) = -tau log(P - y)</c>.</summary>
    public double BarrierWeight { get; }

    /// <summary>y, the sum of the rates reported since <see cref="Clear"/>.</summary>
    public double Load { get; private set; }

    /// <summary>s, the sum of the users' auxiliary variables v reported since <see cref="Clear"/>.</summary>
    public double AuxiliarySum { get; private set; }

    /// <summary>Users that reported since <see cref="Clear"/>.</summary>
    public int Users { get; private set; }

    /// <summary><c>B'(y) = tau / (P - y)</c>.</summary>
    public double Price => BarrierWeight / (Capacity - Load);

    /// <summary><c>h = B''(y) = tau / (P - y)^2</c>.</summary>
    public double Curvature
    {
        get
        {
            var headroom = Capacity - Load;
            return BarrierWeight / (headroom * headroom);
        }
    }

    /// <summary>Starts a new exchange.</summary>
    public void Clear()
    {
        Load = 0;
        AuxiliarySum = 0;
        Users = 0;
    }

    /// <summary>Adds one user's report (x_r, v_r).</summary>
    public void Add(double rate, double auxiliary)
    {
        Load += rate;
        AuxiliarySum += auxiliary;
        Users++;
    }

    /// <summary>
    /// The answer to this exchange's users. The headroom share <c>(P - y) / (2 n_l)</c> caps each user's
    /// increase so that all of them together fill at most half of what is left: y stays below P (the
    /// feasibility guard) without users coordinating. Throws when the reports already reach P.
    /// </summary>
    public DbinumLinkSignal Signal()
    {
        var headroom = Capacity - Load;
        if (!(headroom > 0))
        {
            throw new InvalidOperationException($"Link load {Load} reaches its capacity {Capacity}; DBiNUM's barrier needs y < P (start from feasible rates).");
        }

        var price = BarrierWeight / headroom;
        var curvature = price / headroom;
        return new DbinumLinkSignal(price, curvature, curvature * AuxiliarySum, Users > 0 ? headroom / (2.0 * Users) : double.PositiveInfinity);
    }
}

/// <summary>A link's answer to its users for one exchange.</summary>
/// <param name="Price">B'_l(y_l).</param>
/// <param name="Curvature">h_l = B''_l(y_l).</param>
/// <param name="CurvatureTimesAuxiliary">h_l s_l, with s_l the sum of v over the link's users.</param>
/// <param name="HeadroomShare">Largest rate increase one user may take this step.</param>
public readonly record struct DbinumLinkSignal(double Price, double Curvature, double CurvatureTimesAuxiliary, double HeadroomShare);

/// <summary>What a user knows of its route L_r: the link signals summed (the share is the smallest).</summary>
/// <param name="Price">sum over L_r of B'_l.</param>
/// <param name="Curvature">sum over L_r of h_l.</param>
/// <param name="CurvatureTimesAuxiliary">sum over L_r of h_l s_l.</param>
/// <param name="HeadroomShare">min over L_r of the links' headroom shares.</param>
public readonly record struct DbinumRouteSignal(double Price, double Curvature, double CurvatureTimesAuxiliary, double HeadroomShare)
{
    /// <summary>A route with no links yet (no price, no cap).</summary>
    public static DbinumRouteSignal Empty => new(0, 0, 0, double.PositiveInfinity);

    /// <summary>This route with one more link.</summary>
    public DbinumRouteSignal Add(in DbinumLinkSignal link)
        => new(Price + link.Price, Curvature + link.Curvature, CurvatureTimesAuxiliary + link.CurvatureTimesAuxiliary, Math.Min(HeadroomShare, link.HeadroomShare));
}
