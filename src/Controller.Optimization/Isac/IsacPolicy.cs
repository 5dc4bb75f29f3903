using System.Diagnostics;
using Controller.Radio;
using Controller.Radio.Allocation;
using Controller.Radio.Isac;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

namespace Controller.Optimization.Isac;

/// <summary>
/// <c>isac-robust</c> and <c>isac-nonrobust</c>: one BOBLRBF design per slot (<see cref="BoblrbfSolver.Solve"/>) for the
/// operator's trade-off, on the configuration's ISAC model (the channel estimates a region's RAN reports, or the
/// scenario's in <c>controller eval</c>), with the scenario's eps (robust) or eps = 0 (the non-robust baseline).
/// Each slot starts from the previous slot's design (a warm start: the channels move little from slot to slot and
/// the design stays within the budgets), so a small iteration budget per slot keeps a control loop short while the
/// design keeps improving over the loops.
/// </summary>
/// <remarks>
/// The last design is kept in this instance, that is in the memory of the region activation that runs the policy, not
/// in the region's stored state: it is 2 N (K + N) numbers per base station and worthless after a failover's gap
/// (the channels have moved on), so a new activation, or a switch to this policy, starts from the matched-filter
/// design of <see cref="IsacNetwork.InitialBeams"/>, as the first slot does.
/// <para>
/// Iterations: a name with I (<c>isac-robust:10</c>) runs exactly I per slot. A name without (<c>isac-robust</c>,
/// <c>isac-robust:auto</c>) adapts them to the region's loop: after every loop the region reports how long after its
/// tick's boundary the loop ended (<see cref="EndLoop"/>) and <see cref="IsacIterationBudget"/> picks the next slot's
/// iterations so that this stays within <see cref="BudgetFraction"/> of the period. Where nothing reports
/// (<c>controller eval</c>, a policy inside a wrapper) it runs <see cref="DefaultIterations"/> per slot, so those
/// results stay reproducible.
/// </para>
/// </remarks>
public sealed class IsacPolicy : IAllocationPolicy
{
    /// <summary>Name of the robust policy.</summary>
    public const string RobustName = "isac-robust";

    /// <summary>Name of the eps = 0 baseline.</summary>
    public const string NonRobustName = "isac-nonrobust";

    /// <summary>BOBLRBF iterations per subproblem and slot when the name gives none.</summary>
    public const int DefaultIterations = 10;

    /// <summary>Largest iteration budget per slot a name may ask for.</summary>
    public const int MaxIterations = 1000;

    /// <summary>The iteration token of a name that asks for the adaptive budget (<c>isac-robust:auto:0.7</c>).</summary>
    public const string AutoIterations = "auto";

    /// <summary>
    /// Share of the loop period the adaptive budget aims the loop's response time at (from the tick's boundary to the
    /// loop's end: the wait for a scheduler thread, pull, decide, push, learn). The rest is the margin for the scatter
    /// of that time on a shared machine (p99 4-7 times p50 in <c>bench loop --scenario isac</c>), so that a slow loop
    /// does not run past the next boundary (an overrun). 0.5 was tried first and overran (README beside this file).
    /// </summary>
    public const double BudgetFraction = 0.25;

    /// <summary>The trade-off a policy starts with: communication and sensing weighed alike.</summary>
    public const double DefaultCommunicationWeight = 0.5;

    private readonly BoblrbfOptions _options;
    private readonly IsacIterationBudget? _budget;
    private double _weight = DefaultCommunicationWeight;
    private bool _decidedSinceLoopEnd;

    /// <summary>Creates the policy with a fixed budget of <paramref name="iterations"/> per slot; <paramref name="robust"/> false is the eps = 0 baseline.</summary>
    public IsacPolicy(bool robust, int iterations)
        : this(robust, iterations, budget: null)
    {
    }

    private IsacPolicy(bool robust, int iterations, IsacIterationBudget? budget)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        Robust = robust;
        _budget = budget;
        // The reported worst-case WSR is not part of the design; 10 lower-level steps instead of 40 keep it cheap per slot.
        _options = new BoblrbfOptions { MaxIterations = iterations, WorstCaseIterations = 10, MaxDegreeOfParallelism = 2 };
    }

    /// <summary>
    /// The policy with the adaptive budget: <see cref="DefaultIterations"/> on the first slot (and on every slot while no
    /// region reports its loops, <see cref="EndLoop"/>), then what <see cref="IsacIterationBudget"/> picks, at most <paramref name="cap"/>.
    /// </summary>
    public static IsacPolicy CreateAdaptive(bool robust, int cap = IsacIterationBudget.DefaultCap) =>
        new(robust, DefaultIterations, new IsacIterationBudget(Math.Min(DefaultIterations, cap), cap));

    /// <summary>True for <c>isac-robust</c> (the scenario's eps), false for <c>isac-nonrobust</c> (eps = 0).</summary>
    public bool Robust { get; }

    /// <summary>True when the iterations adapt to the loop period (the name gave no I), false for a fixed I.</summary>
    public bool Adaptive => _budget is not null;

    /// <summary>Iterations per subproblem the next slot gets: the fixed I, or the adaptive budget's pick.</summary>
    public int Iterations => _budget?.Iterations ?? _options.MaxIterations;

    /// <summary>The most iterations a slot gets: I for a fixed budget, the adaptive budget's cap otherwise.</summary>
    public int IterationCap => _budget?.Cap ?? _options.MaxIterations;

    /// <summary>Iterations per subproblem the last slot was given, 0 before the first.</summary>
    public int LastIterationBudget { get; private set; }

    /// <summary>Wall time of the last slot's solve, ms, NaN before the first.</summary>
    public double LastSolveMs { get; private set; } = double.NaN;

    /// <summary>Response time of the last loop a region reported (<see cref="EndLoop"/>), ms, NaN before the first.</summary>
    public double LastResponseMs { get; private set; } = double.NaN;

    /// <summary>The operator's trade-off: 0 = sensing only, 1 = communication only (BOBLRBF's preference direction).</summary>
    public double CommunicationWeight
    {
        get => _weight;
        set => _weight = WeightError(value) is { } error ? throw new RadioInputException(error) : value;
    }

    /// <summary>The design of the last slot, or null before the first.</summary>
    public IsacSolution? Last { get; private set; }

    /// <summary>The design the last slot's solve started from (the slot before's, on a warm start), or null before the first slot.</summary>
    public double[]? LastStart { get; private set; }

    /// <summary>Slots that started from the previous slot's design.</summary>
    public long WarmStarts { get; private set; }

    /// <summary>Why <paramref name="weight"/> is not a communication weight, as one sentence; null when it is.</summary>
    public static string? WeightError(double weight) => double.IsFinite(weight) && weight is >= 0 and <= 1
        ? null
        : FormattableString.Invariant($"The communication weight must be a finite number in [0, 1] (0 = sensing only, 1 = communication only); got {weight:R}.");

    /// <inheritdoc />
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(decision);
        var isac = configuration as IIsacConfiguration;
        var network = isac?.Isac ?? throw new RadioInputException(
            $"Policy '{(Robust ? RobustName : NonRobustName)}' needs the ISAC model (beams, channel vectors, targets) of the 'isac' scenario; this configuration has only a gain matrix.");
        var warm = Last is { } last && last.Beams.Length == network.BeamLength;
        var start = warm ? Last!.Beams : network.InitialBeams();
        LastStart = start;
        var options = _budget is not null && _budget.Iterations != _options.MaxIterations ? _options with { MaxIterations = _budget.Iterations } : _options;
        var started = Stopwatch.GetTimestamp();
        var solution = BoblrbfSolver.Solve(network, Robust ? isac!.RelativeError : 0, _weight, options, start);
        LastSolveMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        LastIterationBudget = options.MaxIterations;
        _decidedSinceLoopEnd = true;
        Last = solution;
        if (warm)
        {
            WarmStarts++;
        }

        decision.Beams = solution.Beams;
        var active = configuration.Active;
        for (var l = 0; l < decision.Power.Length; l++)
        {
            // The power-only fields describe the design for those who read only them (cell grains, the dashboard): each
            // base station's total power and its first active user (none and 0 when no user of it is active).
            var served = -1;
            for (var u = 0; u < network.Users && served < 0; u++)
            {
                if (network.Cell(u) == l && active[u])
                {
                    served = u;
                }
            }

            decision.ServedReceiver[l] = served;
            decision.Power[l] = served < 0 ? 0 : Math.Min(network.Power(solution.Beams, l), configuration.Constants.MaxPower);
        }
    }

    /// <summary>
    /// A region's loop that ran this policy ended <paramref name="responseMs"/> after its tick's boundary, in a loop of
    /// <paramref name="periodMs"/>: the adaptive budget picks the next slot's iterations from it (see
    /// <see cref="IsacIterationBudget"/>; target <see cref="BudgetFraction"/> of the period). Ignored by a fixed I, and
    /// when no slot was decided since the last call (a loop that failed before deciding). Nothing calls it in
    /// <c>controller eval</c>, where the adaptive policy therefore runs <see cref="DefaultIterations"/> per slot.
    /// </summary>
    public void EndLoop(double responseMs, double periodMs)
    {
        if (!double.IsFinite(responseMs) || responseMs < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(responseMs), responseMs, "A loop's response time must be a finite number of milliseconds >= 0.");
        }

        if (!double.IsFinite(periodMs) || periodMs <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(periodMs), periodMs, "The loop period must be a finite number of milliseconds > 0.");
        }

        if (_budget is null || !_decidedSinceLoopEnd)
        {
            return;
        }

        _decidedSinceLoopEnd = false;
        LastResponseMs = responseMs;
        _budget.Observe(responseMs, BudgetFraction * periodMs);
    }

    /// <summary>
    /// The policy a name means, or null for other names: <c>isac-robust[:I[:W]]</c> and <c>isac-nonrobust[:I[:W]]</c> with
    /// I iterations per slot and W the communication weight it starts with (a region's stored weight, once an operator
    /// sets one, replaces it every loop). No I, or I = <c>auto</c>, is the adaptive budget (<see cref="CreateAdaptive"/>).
    /// </summary>
    public static IsacPolicy? TryCreate(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = spec.Split(':');
        if (parts[0] is not (RobustName or NonRobustName))
        {
            return null;
        }

        var culture = System.Globalization.CultureInfo.InvariantCulture;
        var iterations = DefaultIterations;
        var adaptive = parts.Length == 1 || parts[1] == AutoIterations;
        if (parts.Length > 3 || (!adaptive && (!int.TryParse(parts[1], System.Globalization.NumberStyles.None, culture, out iterations) || iterations > MaxIterations)))
        {
            throw new RadioInputException($"Policy '{spec}' needs a BOBLRBF iteration budget per slot in [0, {MaxIterations}] or '{AutoIterations}' (adapted to the loop period) after the first colon (and optionally a communication weight in [0, 1] after a second), e.g. {parts[0]}:10:0.7 or {parts[0]}:{AutoIterations}:0.7.");
        }

        var robust = parts[0] == RobustName;
        var policy = adaptive ? CreateAdaptive(robust) : new IsacPolicy(robust, iterations);
        if (parts.Length == 3)
        {
            if (!double.TryParse(parts[2], System.Globalization.NumberStyles.Float, culture, out var weight) || WeightError(weight) is not null)
            {
                throw new RadioInputException($"Policy '{spec}' needs a communication weight in [0, 1] after the second colon (0 = sensing only, 1 = communication only), e.g. {parts[0]}:10:0.7.");
            }

            policy.CommunicationWeight = weight;
        }

        return policy;
    }
}
