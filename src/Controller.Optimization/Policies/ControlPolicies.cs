using System.Globalization;
using Controller.Optimization.Alcor;
using Controller.Optimization.Isac;
using Controller.Optimization.Gp;
using Controller.Radio;
using Controller.Radio.Policies;

namespace Controller.Optimization.Policies;

/// <summary>
/// Every policy the controller can run, by name: the baselines of <see cref="PolicyCatalog"/> plus the
/// papers' constrained wrappers (for example <c>alcor(wmmse)</c>). The same provider serves
/// <c>controller eval</c> and the grains, so a name means the same decision code everywhere.
/// </summary>
public sealed class ControlPolicies : IPolicyProvider
{
    private readonly IPolicyProvider? _more;

    /// <summary>The baselines and wrappers alone.</summary>
    public ControlPolicies()
    {
    }

    /// <summary>
    /// The baselines and wrappers plus the policies of <paramref name="more"/> (learned policies such as
    /// <c>gnn:NAME</c>); wrappers accept them inside, e.g. <c>alcor(gnn:NAME)</c>, when they take an eligibility mask.
    /// </summary>
    public ControlPolicies(IPolicyProvider more)
    {
        ArgumentNullException.ThrowIfNull(more);
        _more = more;
    }

    /// <summary>The extra provider given at construction (learned policies), or null.</summary>
    public IPolicyProvider? More => _more;

    /// <summary>The shared instance (baselines and wrappers).</summary>
    public static ControlPolicies Provider { get; } = new();

    private static readonly (string Name, string Description)[] Wrappers =
    [
        ("alcor(<inner>)", "ALCOR (paper 001): on-off time sharing driven by per-user duals meets the scenario's demands on average; <inner> is any baseline, e.g. alcor(wmmse)"),
        ("alcor-simple(<inner>)", "ALCOR with the simple update lambda = max(0, lambda + alpha Fhat) (no convergence guarantee)"),
        ("delayed:<D>(<inner>)", "a baseline deciding from the channel of D slots earlier, as a distributed method whose channel information takes D exchange rounds to arrive; its powers meet the current channel, e.g. delayed:4(wmmse-budget:5)"),
        ("every:<D>(<inner>)", "any policy deciding only every D-th slot and holding its decision in between, as paper 004's baselines in its asynchronous setting, e.g. every:2(wmmse-budget:6)"),
    ];

    private static readonly (string Name, string Description)[] Isac =
    [
        (IsacPolicy.RobustName, $"robust ISAC beamforming (paper 002): one BOBLRBF design per slot for the region's communication weight, against CSI errors within the scenario's eps, warm-started from the last slot's; isac-robust:I for exactly I iterations per slot; without I (or isac-robust:auto) a region adapts them so that its loop ends within a quarter of its period (1 to {IsacIterationBudget.DefaultCap}; {IsacPolicy.DefaultIterations} per slot where there is no period, as in eval); isac-robust:I:W or isac-robust:auto:W to start at communication weight W in [0, 1] (default 0.5); isac scenario only"),
        (IsacPolicy.NonRobustName, $"the same with eps = 0 (trusts the channel estimates), the baseline of isac-robust; isac-nonrobust:I[:W] as isac-robust"),
    ];

    private static readonly (string Name, string Description)[] Solvers =
    [
        ("gp", "paper 001's geometric-programming benchmark: the highest-sum-rate powers meeting every demand of the slot (successive convex approximation), nothing when the demands cannot be met"),
    ];

    private static readonly (string Name, string Description)[] All = [.. PolicyCatalog.Policies, .. Solvers, .. Isac, .. Wrappers];

    /// <inheritdoc />
    public IReadOnlyList<(string Name, string Description)> Policies => _more is null ? All : [.. All, .. _more.Policies];

    /// <inheritdoc />
    public void Validate(string spec) => _ = Create(spec, seed: 0, configurationIndex: 0);

    /// <inheritdoc />
    public IAllocationPolicy Create(string spec, ulong seed, int configurationIndex)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec = spec.Trim();
        if (spec == "gp")
        {
            return new GpPolicy();
        }

        if (SplitWrapper(spec) is not { } wrapper)
        {
            return IsMore(spec) ? _more!.Create(spec, seed, configurationIndex)
                : IsacPolicy.TryCreate(spec) is { } isac ? isac
                : PolicyCatalog.Create(spec, seed, configurationIndex);
        }

        if (wrapper.Inner.Length == 0)
        {
            throw new RadioInputException($"Policy '{spec}' wraps nothing; name a baseline inside the parentheses, for example {wrapper.Name}(wmmse).");
        }

        if (wrapper.Name.StartsWith(DelayedPrefix, StringComparison.Ordinal))
        {
            return CreateDelayed(spec, wrapper.Name, wrapper.Inner, seed, configurationIndex);
        }

        if (wrapper.Name.StartsWith(EveryPrefix, StringComparison.Ordinal))
        {
            var argument = wrapper.Name[EveryPrefix.Length..];
            if (!int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var period) || period < 1 || period > MaxPeriod)
            {
                throw new RadioInputException($"Policy '{spec}' needs a period in slots in [1, {MaxPeriod}] after 'every:' (got '{argument}').");
            }

            return new PeriodicPolicy(Create(wrapper.Inner, seed, configurationIndex), period);
        }

        var settings = wrapper.Name switch
        {
            "alcor" => AlcorSettings.Default,
            "alcor-simple" => AlcorSettings.Default with { Variant = AlcorVariant.Simple },
            _ => throw new RadioInputException(
                $"Unknown policy wrapper '{wrapper.Name}' in '{spec}'; known wrappers: {string.Join(", ", Wrappers.Select(w => w.Name[..w.Name.IndexOf('(', StringComparison.Ordinal)]))}."),
        };
        if (!IsMore(wrapper.Inner))
        {
            return AlcorPolicy.Create(PolicyCatalog.CreateAllocator(wrapper.Inner, seed, configurationIndex), settings, seed, configurationIndex);
        }

        return _more!.Create(wrapper.Inner, seed, configurationIndex) is IMaskablePolicy inner
            ? AlcorPolicy.Create(inner, settings, seed, configurationIndex)
            : throw new RadioInputException($"Policy '{wrapper.Inner}' cannot run inside {wrapper.Name}(...): it does not take the users ALCOR switches on and off.");
    }

    private const string DelayedPrefix = "delayed:";
    private const string EveryPrefix = "every:";
    private const int MaxPeriod = 1_000_000;

    private SelectThenAllocatePolicy CreateDelayed(string spec, string name, string inner, ulong seed, int configurationIndex)
    {
        var argument = name[DelayedPrefix.Length..];
        if (!int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var delay) || delay > MaxChannelDelay)
        {
            throw new RadioInputException($"Policy '{spec}' needs a delay in slots in [0, {MaxChannelDelay}] after 'delayed:' (got '{argument}').");
        }

        if (IsMore(inner) || SplitWrapper(inner) is not null)
        {
            throw new RadioInputException($"Policy '{spec}': delayed:D(...) wraps a baseline ({string.Join(", ", PolicyCatalog.Policies.Select(p => p.Name))}), not '{inner}'.");
        }

        return new SelectThenAllocatePolicy(PolicyCatalog.CreateAllocator(inner, seed, configurationIndex), delay);
    }

    // Each slot of delay keeps one gain matrix (1.3 MB at 400 links); channel information a hundred slots old
    // describes a channel that has long decorrelated.
    private const int MaxChannelDelay = 100;

    /// <summary>True when <paramref name="spec"/> belongs to the extra provider (its names have a prefix such as "gnn:").</summary>
    private bool IsMore(string spec)
    {
        if (_more is null)
        {
            return false;
        }

        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var prefix = colon < 0 ? spec : spec[..colon];
        foreach (var (name, _) in _more.Policies)
        {
            var known = name.IndexOf(':', StringComparison.Ordinal) is var c and >= 0 ? name[..c] : name;
            if (string.Equals(known, prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Splits <c>name(inner)</c> into its parts; null when <paramref name="spec"/> has no parentheses.</summary>
    internal static (string Name, string Inner)? SplitWrapper(string spec)
    {
        var open = spec.IndexOf('(', StringComparison.Ordinal);
        if (open < 0)
        {
            return null;
        }

        if (!spec.EndsWith(')'))
        {
            throw new RadioInputException($"Policy '{spec}' opens a parenthesis it does not close; write wrapper(inner), for example alcor(wmmse).");
        }

        return (spec[..open].Trim(), spec[(open + 1)..^1].Trim());
    }
}
