using System.Globalization;
using Controller.Radio.Allocation;
using Controller.Radio.Randomness;

namespace Controller.Radio.Policies;

/// <summary>Resolves policy names to policies; hosts compose providers (baselines here, learned and constrained policies elsewhere).</summary>
public interface IPolicyProvider
{
    /// <summary>Known names with a line of description each.</summary>
    IReadOnlyList<(string Name, string Description)> Policies { get; }

    /// <summary>Checks <paramref name="spec"/>; throws <see cref="RadioInputException"/> saying what is wrong and what is known.</summary>
    void Validate(string spec);

    /// <summary>A fresh policy for configuration <paramref name="configurationIndex"/> of a run with <paramref name="seed"/>.</summary>
    IAllocationPolicy Create(string spec, ulong seed, int configurationIndex);
}

/// <summary>
/// Policies selectable by name (<c>--policy</c>). A name may carry one argument after a colon:
/// <c>wmmse:10</c> runs 10 WMMSE iterations (paper 004's distributed WMMSE with K exchanges).
/// </summary>
public static class PolicyCatalog
{
    /// <summary>The baselines as a provider.</summary>
    public static IPolicyProvider Baselines { get; } = new BaselineProvider();

    private static readonly (string Name, string Description)[] Known =
    [
        ("full-reuse", "every scheduled transmitter at full power"),
        ("wmmse", "WMMSE power control, 100 iterations; wmmse:K for K iterations"),
        ("wmmse-budget", "WMMSE whose every step keeps the network's total power budget (paper 004's problem); wmmse-budget:K for K iterations"),
        ("itlinq", "ITLinQ on/off scheduling in PF order (M = 10^2.5, eta = 0.5)"),
        ("equal-power", "total budget split equally over the transmitters (paper 004)"),
        ("random-full-power", "full power with probability budget / (p0 m) (paper 004)"),
        ("local-threshold:<T>", "distributed on/off rule: a link transmits at full power when its own current SNR is at least T dB, else stays silent (it sees only its own direct gain)"),
        ("greedy-on-off", "centralized on/off reference: switches on at full power, one at a time, the link that raises the sum rate most, while it rises and the total power budget allows"),
    ];

    /// <summary>Known policy names with a line of description each.</summary>
    public static IReadOnlyList<(string Name, string Description)> Policies => Known;

    /// <summary>Checks <paramref name="spec"/> without building anything; throws <see cref="RadioInputException"/>.</summary>
    public static void Validate(string spec) => _ = CreateAllocator(spec, seed: 0, configurationIndex: 0);

    /// <summary>
    /// Builds a fresh policy for configuration <paramref name="configurationIndex"/>; randomized policies
    /// draw from their own stream of <paramref name="seed"/>, so channels never depend on the policy.
    /// </summary>
    public static IAllocationPolicy Create(string spec, ulong seed, int configurationIndex)
        => new SelectThenAllocatePolicy(CreateAllocator(spec, seed, configurationIndex));

    /// <summary>The power allocator of a baseline policy name (for policies that wrap a baseline, such as ALCOR).</summary>
    public static IPowerAllocator CreateAllocator(string spec, ulong seed, int configurationIndex)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? spec : spec[..colon];
        var argument = colon < 0 ? null : spec[(colon + 1)..];
        switch (name)
        {
            case "full-reuse":
                NoArgument(name, argument);
                return new FullReuseAllocator();
            case "wmmse" or "wmmse-budget":
                if (argument is null)
                {
                    return new WmmseAllocator(budgeted: name == "wmmse-budget");
                }

                if (!int.TryParse(argument, NumberStyles.Integer, CultureInfo.InvariantCulture, out var iterations) || iterations < 1 || iterations > 100_000)
                {
                    throw new RadioInputException($"Policy '{name}:{argument}' needs an iteration count in [1, 100000] after the colon.");
                }

                return new WmmseAllocator(iterations, budgeted: name == "wmmse-budget");
            case "itlinq":
                NoArgument(name, argument);
                return new ItlinqScheduler();
            case "equal-power":
                NoArgument(name, argument);
                return new EqualPowerAllocator();
            case "random-full-power":
                NoArgument(name, argument);
                return new RandomFullPowerAllocator(SeededRandom.ForStream(seed, RandomStreams.Policy, (ulong)configurationIndex));
            case "local-threshold":
                if (argument is null || !double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out var thresholdDb) || !double.IsFinite(thresholdDb) || thresholdDb < -50 || thresholdDb > 100)
                {
                    throw new RadioInputException($"Policy 'local-threshold' needs an SNR threshold in dB in [-50, 100] after the colon, e.g. local-threshold:17 (got '{spec}').");
                }

                return new LocalThresholdAllocator(thresholdDb);
            case "greedy-on-off":
                NoArgument(name, argument);
                return new GreedyOnOffAllocator();
            default:
                throw new RadioInputException($"Unknown policy '{spec}'; known: {string.Join(", ", Known.Select(k => k.Name))}.");
        }
    }

    private static void NoArgument(string name, string? argument)
    {
        if (argument is not null)
        {
            throw new RadioInputException($"Policy '{name}' takes no argument (got '{name}:{argument}').");
        }
    }

    private sealed class BaselineProvider : IPolicyProvider
    {
        public IReadOnlyList<(string Name, string Description)> Policies => PolicyCatalog.Policies;

        public void Validate(string spec) => PolicyCatalog.Validate(spec);

        public IAllocationPolicy Create(string spec, ulong seed, int configurationIndex) => PolicyCatalog.Create(spec, seed, configurationIndex);
    }
}
